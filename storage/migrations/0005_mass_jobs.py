from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_notices')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MassJob',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('appid', fields.CharField(max_length=32)),
                ('msg_id', fields.CharField(max_length=40)),
                ('source', fields.CharField(db_index=True, max_length=100)),
                ('households', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(null=True, max_length=40)),
                ('total_count', fields.IntField(null=True)),
                ('filter_count', fields.IntField(null=True)),
                ('sent_count', fields.IntField(null=True)),
                ('error_count', fields.IntField(null=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mass_job', 'app': 'models', 'unique_together': (('appid', 'msg_id'),), 'pk_attr': 'id', 'table_description': 'One mass send (群发) to up to 10,000 followers, and what WeChat reported of it.'},
            bases=['Model'],
        ),
    ]
