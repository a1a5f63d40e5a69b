from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_conversation_drafts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FailedLogin',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('username', fields.CharField(max_length=64)),
                ('address', fields.CharField(max_length=45)),
                ('reason', fields.CharField(max_length=16)),
            ],
            options={'table': 'failed_login', 'app': 'models', 'indexes': [Index(fields=['at']), Index(fields=['username', 'at'])], 'pk_attr': 'id', 'table_description': 'A sign-in refused, for county admins to see who is being tried: when, the name as'},
            bases=['Model'],
        ),
    ]
