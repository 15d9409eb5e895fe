from django.db import migrations, models


def oauth_tokens_redact(apps, schema_editor) -> None:
    """Tokens issued before COMPLIANT_BCP_RFC9700_TOKEN_STORAGE keep only their checksum too."""
    for model in ("AccessToken", "RefreshToken"):
        apps.get_model("oauth2_provider", model).objects.exclude(token="").update(token="")


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0005_organization_application_details"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="credential_generation",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(oauth_tokens_redact, migrations.RunPython.noop),
    ]
