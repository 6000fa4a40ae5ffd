import uuid

from django.db import migrations, models


def give_each_message_its_reference(apps, schema_editor):
    SmsMessage = apps.get_model("calls", "SmsMessage")
    for pk in SmsMessage.objects.values_list("pk", flat=True).iterator():
        SmsMessage.objects.filter(pk=pk).update(client_ref=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0009_national_reference_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsmessage",
            name="attempts",
            field=models.PositiveSmallIntegerField(
                db_default=0, default=0, verbose_name="attempts"
            ),
        ),
        migrations.AddField(
            model_name="smsmessage",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
        ),
        migrations.AddField(
            model_name="smsmessage",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
        migrations.AddField(
            model_name="smsmessage",
            name="client_ref",
            field=models.UUIDField(null=True, verbose_name="client reference"),
        ),
        migrations.RunPython(give_each_message_its_reference, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="smsmessage",
            name="client_ref",
            field=models.UUIDField(
                default=uuid.uuid4, unique=True, verbose_name="client reference"
            ),
        ),
    ]
