from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_subscribe_consent')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Staff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=200)),
                ('role', fields.CharField(max_length=32)),
                ('township', fields.ForeignKeyField('models.Township', source_field='township_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Someone who works the staff API: township service centre, county departments.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=64)),
                ('body', fields.TextField(unique=False)),
                ('area', fields.CharField(max_length=32)),
                ('scope', fields.CharField(max_length=16)),
                ('township', fields.ForeignKeyField('models.Township', source_field='township_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT)),
                ('village', fields.ForeignKeyField('models.Village', source_field='village_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT)),
                ('link', fields.CharField(null=True, max_length=500)),
                ('scheduled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('state', fields.CharField(default='draft', max_length=16)),
                ('created_by', fields.ForeignKeyField('models.Staff', source_field='created_by_id', db_constraint=True, to_field='id', related_name='notices_created', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('published_by', fields.ForeignKeyField('models.Staff', source_field='published_by_id', null=True, db_constraint=True, to_field='id', related_name='notices_published', on_delete=OnDelete.RESTRICT)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('retracted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('halted_reason', fields.CharField(null=True, max_length=200)),
                ('fanout_cursor', fields.BigIntField(default=0)),
                ('fanout_done', fields.BooleanField(default=False)),
                ('fanout_owner', fields.CharField(null=True, max_length=40)),
                ('fanout_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notice', 'app': 'models', 'indexes': [Index(fields=['state', 'fanout_done'])], 'pk_attr': 'id', 'table_description': 'A policy notice (政务公开): drafted, published and fanned out, perhaps retracted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A bearer token, kept only as its SHA-256: a copy of the table logs no one in.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Subscription',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resident', fields.ForeignKeyField('models.Resident', source_field='resident_id', db_constraint=True, to_field='id', related_name='subscriptions', on_delete=OnDelete.CASCADE)),
                ('area', fields.CharField(max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'subscription', 'app': 'models', 'unique_together': (('resident', 'area'),), 'indexes': [Index(fields=['area', 'resident_id'])], 'pk_attr': 'id', 'table_description': 'A household asked for notices of one area where they live.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Delivery',
            name='source',
            field=fields.CharField(db_index=True, max_length=100),
        ),
        ops.AddField(
            model_name='Delivery',
            name='fell_back',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Delivery',
            name='topic',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Resident',
            name='township',
            field=fields.ForeignKeyField('models.Township', source_field='township_id', null=True, db_constraint=True, to_field='id', related_name='residents', on_delete=OnDelete.RESTRICT),
        ),
    ]
