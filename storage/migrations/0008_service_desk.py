from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_fewer_delivery_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DayCounter',
            fields=[
                ('day', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=8)),
                ('issued', fields.IntField(default=0)),
            ],
            options={'table': 'day_counter', 'app': 'models', 'pk_attr': 'day', 'table_description': 'How many ticket numbers a day has given out: numbers read YYYYMMDD-NNNN.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Unit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'unit', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A responsible unit (责任单位): a county department, a station, a township office.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('area', fields.CharField(db_index=True, max_length=32)),
                ('aliases', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('summary', fields.TextField(unique=False)),
                ('eligibility', fields.TextField(unique=False)),
                ('materials', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('steps', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('time_limit_days', fields.IntField()),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.RESTRICT)),
                ('place', fields.CharField(max_length=100)),
                ('proxy', fields.BooleanField(default=False)),
                ('home_visit', fields.BooleanField(default=False)),
                ('questions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'service_item', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One public service of the catalog (公共服务事项目录清单), loaded from its data file.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=16)),
                ('kind', fields.CharField(max_length=16)),
                ('status', fields.CharField(max_length=16)),
                ('request_key', fields.CharField(unique=True, max_length=120)),
                ('resident', fields.ForeignKeyField('models.Resident', source_field='resident_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL)),
                ('township', fields.ForeignKeyField('models.Township', source_field='township_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('village', fields.ForeignKeyField('models.Village', source_field='village_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('category', fields.CharField(null=True, max_length=32)),
                ('title', fields.CharField(max_length=64)),
                ('content', fields.TextField(default='', unique=False)),
                ('answers', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('location', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('home_visit', fields.BooleanField(default=False)),
                ('contact_name', fields.CharField(default='', max_length=32)),
                ('contact_phone', fields.CharField(default='', max_length=20)),
                ('time_limit_days', fields.IntField()),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('handler', fields.ForeignKeyField('models.Staff', source_field='handler_id', null=True, db_constraint=True, to_field='id', related_name='handling', on_delete=OnDelete.RESTRICT)),
                ('accepted_by', fields.ForeignKeyField('models.Staff', source_field='accepted_by_id', null=True, db_constraint=True, to_field='id', related_name='accepted', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_on', fields.DateField(null=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('result', fields.TextField(null=True, unique=False)),
                ('last_reply', fields.TextField(null=True, unique=False)),
                ('extension_days', fields.IntField(null=True)),
                ('extension_reason', fields.TextField(null=True, unique=False)),
                ('rating', fields.IntField(null=True)),
                ('rating_comment', fields.TextField(null=True, unique=False)),
                ('redo_count', fields.IntField(default=0)),
                ('flagged', fields.BooleanField(default=False)),
            ],
            options={'table': 'ticket', 'app': 'models', 'indexes': [Index(fields=['township_id', 'status', 'id']), Index(fields=['township_id', 'id']), Index(fields=['unit_id', 'status', 'id']), Index(fields=['resident_id', 'id']), Index(fields=['status', 'due_on'])], 'pk_attr': 'id', 'table_description': 'A request (工单): an application, a complaint, a suggestion, a call for help.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Attachment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('media_id', fields.CharField(max_length=128)),
                ('url', fields.CharField(null=True, max_length=500)),
                ('text', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attachment', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id'])], 'pk_attr': 'id', 'table_description': "A photo or voice note sent with a ticket: WeChat's media id and where to see it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.RESTRICT)),
                ('action', fields.CharField(max_length=32)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('detail', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'indexes': [Index(fields=['staff_id', 'at'])], 'pk_attr': 'id', 'table_description': 'A read of personal data by staff (a phone number shown whole), kept for inspection.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('action', fields.CharField(max_length=24)),
                ('actor', fields.CharField(max_length=16)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='ticket_events', on_delete=OnDelete.RESTRICT)),
                ('from_status', fields.CharField(null=True, max_length=16)),
                ('to_status', fields.CharField(max_length=16)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'ticket_event', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One change to a ticket: who, when, from which status to which, and why.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Resident',
            name='consented_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Resident',
            name='name',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Resident',
            name='phone',
            field=fields.CharField(null=True, max_length=20),
        ),
        ops.AddField(
            model_name='Staff',
            name='unit',
            field=fields.ForeignKeyField('models.Unit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT),
        ),
    ]
