from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_supervision')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='TicketEvent',
            index=Index(fields=['action', 'due_on']),
        ),
    ]
