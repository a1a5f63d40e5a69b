from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Township',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(unique=True, max_length=32)),
                ('county', fields.CharField(max_length=32)),
            ],
            options={'table': 'township', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A township (乡/镇) of the county.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Village',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=32)),
                ('township', fields.ForeignKeyField('models.Township', source_field='township_id', db_constraint=True, to_field='id', related_name='villages', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'village', 'app': 'models', 'unique_together': (('township', 'name'),), 'pk_attr': 'id', 'table_description': 'A village (村) or community (社区) of a township.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Resident',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('appid', fields.CharField(max_length=32)),
                ('openid', fields.CharField(max_length=64)),
                ('subscribed', fields.BooleanField(default=True)),
                ('subscribed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('unsubscribed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('subscribe_scene', fields.CharField(null=True, max_length=64)),
                ('village', fields.ForeignKeyField('models.Village', source_field='village_id', null=True, db_constraint=True, to_field='id', related_name='residents', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'resident', 'app': 'models', 'unique_together': (('appid', 'openid'),), 'pk_attr': 'id', 'table_description': 'A person who follows the Official Account. Identity is (appid, openid).'},
            bases=['Model'],
        ),
    ]
