from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_failed_logins')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField(unique=True)),
                ('kind', fields.CharField(max_length=8)),
                ('name', fields.CharField(max_length=16)),
                ('entered_by', fields.ForeignKeyField('models.Staff', source_field='entered_by_id', null=True, db_constraint=True, to_field='id', related_name='calendar_days', on_delete=OnDelete.SET_NULL)),
                ('entered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'calendar_day', 'app': 'models', 'pk_attr': 'id', 'table_description': "A day of the State Council's holiday schedule entered by a county admin: a holiday"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReplyTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=32)),
                ('text', fields.CharField(max_length=500)),
                ('kinds', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_by', fields.ForeignKeyField('models.Staff', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='templates_made', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_by', fields.ForeignKeyField('models.Staff', source_field='updated_by_id', null=True, db_constraint=True, to_field='id', related_name='templates_changed', on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reply_template', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A reply staff pick instead of typing (常用语), kept by the county admins: for every'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='AuditEntry',
            options={'table': 'audit_entry', 'app': 'models', 'indexes': [Index(fields=['staff_id', 'at'])], 'pk_attr': 'id', 'table_description': 'What staff did that must be inspectable: a read of personal data (a phone number'},
        ),
        ops.AddField(
            model_name='Staff',
            name='last_login_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
