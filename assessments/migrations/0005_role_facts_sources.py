"""Role facts rest on a list of sources and say their basis (documents or inference).

Facts stored before this had one ``source``. It becomes ``sources: [source]``;
a fact whose source is silent (``document: none``) or carries a reasoning of
ours is an inference, any other is the documents'. Rubric versions that are
locked keep their content: only the shape of the facts changes, and facts do
not enter any score.
"""

from django.db import migrations, models


def _forward_fact(fact: dict) -> dict:
    if "sources" in fact or "source" not in fact:
        return fact
    fact = dict(fact)
    source = fact.pop("source")
    quoted_only = source.get("document") != "none" and not source.get("reasoning")
    fact["basis"] = fact.get("basis") or ("documents" if quoted_only else "inference")
    fact["sources"] = [source]
    return fact


def _backward_fact(fact: dict) -> dict:
    if "sources" not in fact:
        return fact
    fact = dict(fact)
    fact["source"] = fact.pop("sources")[0]
    fact.pop("basis", None)
    return fact


def _rewrite(apps, convert) -> None:
    RoleProfile = apps.get_model("assessments", "RoleProfile")
    for profile in RoleProfile.objects.only("pk", "facts").iterator():
        facts = [convert(fact) for fact in profile.facts or []]
        if facts != profile.facts:
            RoleProfile.objects.filter(pk=profile.pk).update(facts=facts)


def forward(apps, schema_editor) -> None:
    _rewrite(apps, _forward_fact)


def backward(apps, schema_editor) -> None:
    _rewrite(apps, _backward_fact)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_attributemapping")]

    operations = [
        migrations.AlterField(
            model_name="roleprofile",
            name="facts",
            field=models.JSONField(
                default=list,
                help_text="Role facts (outputs, tools, compensation, availability), each with its basis, the "
                "documents or our inference, and the sources it rests on.",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
