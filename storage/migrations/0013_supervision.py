from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_county_admin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.RESTRICT)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('method', fields.CharField(max_length=16)),
                ('solved', fields.BooleanField()),
                ('satisfaction', fields.IntField(null=True)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'follow_up', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id'])], 'pk_attr': 'id', 'table_description': '回访: staff asking the person after 办结 whether the matter is solved, and how'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reminder',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='reminders', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=48)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reminder', 'app': 'models', 'unique_together': (('ticket_id', 'key'),), 'pk_attr': 'id', 'table_description': 'A reminder or 催办 given for a ticket: ``key`` names the stage and the day (or the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SupervisionOrder',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('township', fields.ForeignKeyField('models.Township', source_field='township_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('automatic', fields.BooleanField(default=False)),
                ('issued_by', fields.ForeignKeyField('models.Staff', source_field='issued_by_id', null=True, db_constraint=True, to_field='id', related_name='orders_issued', on_delete=OnDelete.RESTRICT)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(unique=False)),
                ('answer_by', fields.DateField()),
                ('state', fields.CharField(default='open', max_length=16)),
                ('answer', fields.TextField(null=True, unique=False)),
                ('answered_by', fields.ForeignKeyField('models.Staff', source_field='answered_by_id', null=True, db_constraint=True, to_field='id', related_name='orders_answered', on_delete=OnDelete.RESTRICT)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('models.Staff', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name='orders_closed', on_delete=OnDelete.RESTRICT)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('close_note', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'supervision_order', 'app': 'models', 'indexes': [Index(fields=['township_id', 'state', 'id']), Index(fields=['unit_id', 'state', 'id']), Index(fields=['ticket_id', 'id'])], 'pk_attr': 'id', 'table_description': "督办单: a supervisor's (or, after days overdue, the system's) written order to the"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Staff',
            name='lead',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Staff',
            name='notify_new',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='TicketEvent',
            name='due_on',
            field=fields.DateField(null=True),
        ),
        ops.AddIndex(
            model_name='TicketEvent',
            index=Index(fields=['action', 'at']),
        ),
    ]
