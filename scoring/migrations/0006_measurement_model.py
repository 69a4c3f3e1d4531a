# The crossed random-effects measurement model: one calibration per rubric (interviewers are
# people, not per-opening parameters), probabilities of the must-have bars on fit scores, and
# a third shortlist order. Interviewer leniency rows and calibrations are derived data: the
# per-opening ones are dropped, and every stored score is marked stale so the calibration sweep
# and the stale sweep recompute it with the new model.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def mark_scores_stale(apps, schema_editor):
    apps.get_model("scoring", "ApplicationScoreState").objects.update(inputs_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_attributemapping"),
        ("scoring", "0005_shortlist_limit_and_checks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.DeleteModel(name="InterviewerOffset"),
        migrations.DeleteModel(name="OpeningCalibration"),
        migrations.CreateModel(
            name="Calibration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("area_keys", models.JSONField(default=list)),
                ("area_mean", models.JSONField(default=list, help_text="Population mean skill per area, 1-5.")),
                (
                    "general_sd",
                    models.FloatField(help_text="Spread of the general factor shared by a candidate's areas."),
                ),
                ("specific_sd", models.JSONField(default=list, help_text="Each area's own spread.")),
                ("noise_sd", models.JSONField(default=list, help_text="Rating noise per area.")),
                ("severity_sd", models.FloatField(help_text="Spread of interviewers' leniency.")),
                ("interviewer_ids", models.JSONField(default=list)),
                ("covariance", models.BinaryField()),
                ("n_ratings", models.PositiveIntegerField()),
                ("n_interviewers", models.PositiveIntegerField()),
                ("n_applications", models.PositiveIntegerField()),
                ("iterations", models.PositiveIntegerField(default=0)),
                ("converged", models.BooleanField(default=True)),
                ("fit_seconds", models.FloatField(default=0.0)),
                ("inputs_at", models.DateTimeField(blank=True, null=True)),
                ("computed_at", models.DateTimeField()),
                (
                    "rubric",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calibration",
                        to="assessments.rubric",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="InterviewerOffset",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("offset", models.FloatField(help_text="Posterior mean leniency in levels (positive: rates high).")),
                ("standard_error", models.FloatField(help_text="Posterior standard deviation.")),
                ("n_ratings", models.PositiveIntegerField()),
                ("computed_at", models.DateTimeField()),
                (
                    "interviewer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "rubric",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="assessments.rubric"
                    ),
                ),
            ],
            options={
                "ordering": ["rubric", "-offset"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("rubric", "interviewer"), name="interviewer_offset_unique_rubric"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="fitscore",
            name="below_bar_probability",
            field=models.JSONField(
                blank=True, default=dict, help_text="Probability of being below each must-have bar, by area key."
            ),
        ),
        migrations.AddField(
            model_name="fitscore",
            name="meets_bars_probability",
            field=models.FloatField(
                blank=True, null=True, help_text="Probability of meeting every must-have bar (1 without bars)."
            ),
        ),
        migrations.AlterField(
            model_name="fitscore",
            name="gated",
            field=models.BooleanField(
                default=False,
                help_text="Clearly below a must-have bar (probability 0.9 or more): ranked after others.",
            ),
        ),
        migrations.AlterField(
            model_name="fitscore",
            name="below_bar",
            field=models.JSONField(
                blank=True, default=list, help_text="Area keys more likely below their must-have bar than not."
            ),
        ),
        migrations.AddField(
            model_name="shortlistentry",
            name="below_bar_probability",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="shortlistentry",
            name="meets_bars_probability",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="shortlist",
            name="order_by",
            field=models.CharField(
                choices=[
                    ("fit", "Fit (posterior mean)"),
                    ("lower", "Lower bound of the 80% interval"),
                    ("meets_bars", "Probability of meeting every must-have"),
                ],
                default="fit",
                max_length=16,
            ),
        ),
        migrations.RunPython(mark_scores_stale, migrations.RunPython.noop),
    ]
