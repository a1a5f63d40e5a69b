from tortoise import migrations
from tortoise.migrations import operations as ops

# The indexes the outbox's hot queries need, created by hand: on SQLite, altering the
# delivery table in 0004 rebuilt it without the indexes 0002 made, and a foreign key
# gets no index of its own on either database. IF NOT EXISTS: PostgreSQL kept 0002's.
INDEXES = [
    # Claiming: due rows by state and time (a leased row's time is its lease's end).
    'CREATE INDEX IF NOT EXISTS "idx_delivery_due" ON "delivery" ("state", "next_attempt_at")',
    # Claiming mass sends apart from the rest.
    'CREATE INDEX IF NOT EXISTS "idx_delivery_channel_due" ON "delivery" '
    '("channel", "state", "next_attempt_at")',
    # Counting and stopping one notice's deliveries.
    'CREATE INDEX IF NOT EXISTS "idx_delivery_source_state" ON "delivery" ("source", "state")',
    # One person's deliveries: unfollowing, the month's mass sends, WeChat's job reports.
    'CREATE INDEX IF NOT EXISTS "idx_delivery_person" ON "delivery" ("openid", "state")',
    # Each result closes its attempt by delivery.
    'CREATE INDEX IF NOT EXISTS "idx_delivery_attempt_delivery" ON "delivery_attempt" '
    '("delivery_id")',
]


class Migration(migrations.Migration):
    dependencies = [('models', '0005_mass_jobs')]

    initial = False

    operations = [
        ops.RunSQL(
            INDEXES,
            reverse_sql=[
                f'DROP INDEX IF EXISTS "{sql.split(chr(34))[1]}"' for sql in INDEXES
            ],
        ),
    ]
