from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_service_desk')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Grid',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('township', fields.ForeignKeyField('models.Township', source_field='township_id', db_constraint=True, to_field='id', related_name='grids', on_delete=OnDelete.RESTRICT)),
                ('village', fields.ForeignKeyField('models.Village', source_field='village_id', null=True, db_constraint=True, to_field='id', related_name='grids', on_delete=OnDelete.RESTRICT)),
                ('latitude', fields.FloatField(null=True)),
                ('longitude', fields.FloatField(null=True)),
                ('place', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'grid', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A grid (网格, GB/T 34300): the patch one or a few grid workers look after.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GridInvite',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('grid', fields.ForeignKeyField('models.Grid', source_field='grid_id', db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE)),
                ('created_by', fields.ForeignKeyField('models.Staff', source_field='created_by_id', db_constraint=True, to_field='id', related_name='grid_invites', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_by', fields.ForeignKeyField('models.Resident', source_field='used_by_id', null=True, db_constraint=True, to_field='id', related_name='grid_invites_used', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'grid_invite', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time binding code for a grid worker (绑定 <code>, or its QR scene).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GridWorker',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('grid', fields.ForeignKeyField('models.Grid', source_field='grid_id', db_constraint=True, to_field='id', related_name='workers', on_delete=OnDelete.CASCADE)),
                ('resident', fields.ForeignKeyField('models.Resident', source_field='resident_id', db_constraint=True, to_field='id', related_name='grid_work', on_delete=OnDelete.CASCADE)),
                ('bound_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('unbound_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'grid_worker', 'app': 'models', 'indexes': [Index(fields=['resident_id', 'unbound_at']), Index(fields=['grid_id', 'unbound_at'])], 'pk_attr': 'id', 'table_description': 'A follower bound to a grid as its worker (网格员). Unbinding ends it, kept as history.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffLinkCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name='link_codes', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_link_code', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A short-lived code a staff member sends from their own WeChat to link it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Visit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('grid', fields.ForeignKeyField('models.Grid', source_field='grid_id', db_constraint=True, to_field='id', related_name='visits', on_delete=OnDelete.RESTRICT)),
                ('worker', fields.ForeignKeyField('models.Resident', source_field='worker_id', db_constraint=True, to_field='id', related_name='visits_made', on_delete=OnDelete.RESTRICT)),
                ('group', fields.CharField(max_length=32)),
                ('person', fields.CharField(max_length=32)),
                ('findings', fields.TextField(unique=False)),
                ('health', fields.TextField(default='', unique=False)),
                ('needs_help', fields.BooleanField(default=False)),
                ('visited_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'visit', 'app': 'models', 'indexes': [Index(fields=['grid_id', 'id'])], 'pk_attr': 'id', 'table_description': "走访登记: a grid worker's visit to a special-group household, for the grid's ledger"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Attachment',
            name='content_type',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Attachment',
            name='fetch',
            field=fields.CharField(default='none', max_length=16),
        ),
        ops.AddField(
            model_name='Attachment',
            name='fetch_after',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Attachment',
            name='fetch_attempts',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Attachment',
            name='fetch_error',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Attachment',
            name='fetch_owner',
            field=fields.CharField(null=True, max_length=40),
        ),
        ops.AddField(
            model_name='Attachment',
            name='size',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Attachment',
            name='stored_path',
            field=fields.CharField(null=True, max_length=300),
        ),
        ops.AddIndex(
            model_name='Attachment',
            index=Index(fields=['fetch', 'fetch_after']),
        ),
        ops.AddField(
            model_name='Staff',
            name='on_duty',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Staff',
            name='wechat_appid',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Staff',
            name='wechat_openid',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Ticket',
            name='grid',
            field=fields.ForeignKeyField('models.Grid', source_field='grid_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Ticket',
            name='urgent',
            field=fields.BooleanField(default=False),
        ),
    ]
