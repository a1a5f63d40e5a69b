from tortoise import migrations
from tortoise.migrations import operations as ops

# Every index on delivery is updated as a row moves pending -> sending -> sent, three
# times per push: these three are covered by 0006's (state, next_attempt_at) and
# (source, state). Only PostgreSQL still has them (SQLite lost them in 0004's rebuild).
REDUNDANT = ["idx_delivery_state_ac36ae", "idx_delivery_state_5e7023", "idx_delivery_source_7bbc75"]


class Migration(migrations.Migration):
    dependencies = [('models', '0006_outbox_indexes')]

    initial = False

    operations = [
        ops.RunSQL(
            [f'DROP INDEX IF EXISTS "{name}"' for name in REDUNDANT],
            reverse_sql=[
                'CREATE INDEX IF NOT EXISTS "idx_delivery_state_ac36ae" ON "delivery" ("state")',
                'CREATE INDEX IF NOT EXISTS "idx_delivery_state_5e7023" ON "delivery" '
                '("state", "next_attempt_at")',
                'CREATE INDEX IF NOT EXISTS "idx_delivery_source_7bbc75" ON "delivery" ("source")',
            ],
        ),
    ]
