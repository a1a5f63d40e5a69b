from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_staff_requests')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConversationDraft',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('appid', fields.CharField(max_length=32)),
                ('openid', fields.CharField(max_length=64)),
                ('revision', fields.IntField()),
                ('session', fields.TextField(unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversation_draft', 'app': 'models', 'unique_together': (('appid', 'openid'),), 'indexes': [Index(fields=['updated_at'])], 'pk_attr': 'id', 'table_description': 'The conversation of a person in the middle of something (an application, a'},
            bases=['Model'],
        ),
    ]
