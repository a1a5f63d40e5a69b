from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SubscribeConsent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('appid', fields.CharField(max_length=32)),
                ('openid', fields.CharField(max_length=64)),
                ('template_id', fields.CharField(max_length=64)),
                ('status', fields.CharField(max_length=16)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'subscribe_consent', 'app': 'models', 'unique_together': (('appid', 'openid', 'template_id'),), 'pk_attr': 'id', 'table_description': "What a person agreed to in WeChat's subscription-notice prompt, per template."},
            bases=['Model'],
        ),
    ]
