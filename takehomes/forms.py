"""The candidate's upload form: the files and the handover contract, item by item."""

from django import forms

from config.forms import LongTextField


class SubmissionForm(forms.Form):
    """Predictions, the model and the contract; every part optional on a draft save.

    The contract's items are those the second source document lists for a handover: the
    metrics on the candidate's own validation split, latency, memory and parameters, the
    framework and its versions, how the data was split and the metrics agreed to optimise.
    """

    predictions = forms.FileField(
        required=False,
        label="Predictions (CSV)",
        help_text="Columns row_id,label (and score, the probability of the positive class, if asked for): "
        "one row per test row.",
    )
    model = forms.FileField(
        required=False, label="Model (ONNX)", help_text="The model file, exported to ONNX."
    )
    accuracy = forms.FloatField(required=False, min_value=0, max_value=1, label="Accuracy (0 to 1)")
    precision = forms.FloatField(required=False, min_value=0, max_value=1, label="Precision (0 to 1)")
    sensitivity = forms.FloatField(
        required=False, min_value=0, max_value=1, label="Sensitivity, or recall (0 to 1)"
    )
    f1 = forms.FloatField(required=False, min_value=0, max_value=1, label="F1 (0 to 1)")
    latency_p95_ms = forms.FloatField(
        required=False, min_value=0, label="Latency, p95 for one row (ms)", help_text="On one CPU thread."
    )
    peak_memory_mb = forms.FloatField(required=False, min_value=0, label="Peak memory (MB)")
    parameters = forms.IntegerField(required=False, min_value=0, label="Number of parameters")
    framework = forms.CharField(
        required=False, max_length=100, label="Framework", help_text="e.g. scikit-learn"
    )
    framework_version = forms.CharField(
        required=False,
        max_length=100,
        label="Framework and program versions",
        help_text="e.g. 1.5.2, skl2onnx 1.17",
    )
    opset = forms.IntegerField(required=False, min_value=1, label="ONNX opset", help_text="e.g. 17")
    data_split = LongTextField(
        required=False, max_length=2000, rows=3, label="How you split the data (training, validation, test)"
    )
    optimisation_metrics = forms.CharField(
        required=False, max_length=200, label="The metrics you optimised for"
    )

    def __init__(self, *args, requires_model: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not requires_model:
            del self.fields["model"]
            for name in ("latency_p95_ms", "peak_memory_mb", "parameters", "opset"):
                self.fields[name].help_text = "Optional here: this exercise asks for predictions only."

    def contract(self) -> dict:
        return {
            name: self.cleaned_data.get(name) for name in self.fields if name not in ("predictions", "model")
        }
