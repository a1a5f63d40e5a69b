from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

from storage.ticket_facts import rebuild


async def _fill(apps, schema_editor):
    await rebuild(schema_editor.client)

class Migration(migrations.Migration):
    dependencies = [('models', '0014_scoreboard_due_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TicketFacts',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.OneToOneField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='facts', on_delete=OnDelete.CASCADE)),
                ('township_id', fields.IntField()),
                ('unit_id', fields.IntField(null=True)),
                ('handler_id', fields.IntField(null=True)),
                ('resolver_id', fields.IntField(null=True)),
                ('accepted_s', fields.BigIntField(null=True)),
                ('resolved_s', fields.BigIntField(null=True)),
                ('step_s', fields.BigIntField(null=True)),
                ('due_day', fields.IntField(null=True)),
                ('returned', fields.BooleanField(default=False)),
                ('extended', fields.BooleanField(default=False)),
                ('redone', fields.BooleanField(default=False)),
                ('followed', fields.BooleanField(default=False)),
                ('score', fields.IntField(null=True)),
            ],
            options={'table': 'ticket_facts', 'app': 'models', 'indexes': [Index(fields=['accepted_s']), Index(fields=['resolved_s']), Index(fields=['due_day'])], 'pk_attr': 'id', 'table_description': "What the scoreboard (考核) reads of one ticket, kept from its events (and 回访) as"},
            bases=['Model'],
        ),
        # The tickets already there, from their events.
        ops.RunPython(_fill, reverse_code=ops.RunPython.noop),
    ]
