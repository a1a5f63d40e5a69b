from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_service_desk_and_grids')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StaffRequest',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=100)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.SmallIntField()),
                ('content_type', fields.CharField(default='application/json', max_length=64)),
                ('answer', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'staff_request', 'app': 'models', 'unique_together': (('staff_id', 'key'),), 'indexes': [Index(fields=['at'])], 'pk_attr': 'id', 'table_description': 'A staff action as first answered, so that the same action sent again (a retry'},
            bases=['Model'],
        ),
    ]
