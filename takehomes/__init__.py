"""Take-home assessments graded against the handover contract.

An exercise (per role, versioned) gives a candidate data and a task; what comes back
(predictions, an ONNX model and the contract they claim for it) is measured against test
labels the candidate never sees. ``grader`` is pure (no Django), as ``scoring.engine`` is;
``runner`` is the program the worker starts, in a process of its own, to run a model.
"""
