"""The one exception hierarchy of sqlscore.

Every error a user can meet derives from :class:`SqlscoreError`, so a caller
(the CLI, a scheduler, a notebook) can catch one type and still print a
message that names the model, version, function or column at fault::

    SqlscoreError
    ├── ConfigError                 bad environment, path or declaration
    ├── InvalidNameError            a model name / version / identifier that could break SQL or paths
    ├── RegistryError               the models_onnx/ registry
    │   ├── ModelNotFoundError      no such model, version or alias
    │   ├── VersionExistsError      versions are immutable
    │   └── IntegrityError          artifact sha256 or graph differs from its card
    ├── ExportError                 sklearn -> ONNX
    │   ├── UnsupportedEstimatorError   refused before anything is written
    │   └── ParityError             onnxruntime disagrees with sklearn
    ├── FunctionError               warehouse functions (udfs/)
    │   ├── SignatureError          wrong arity or argument types
    │   └── CompileError            a model the SQL engine cannot compile (names the op and model)
    ├── GateError                   the gate could not run (a failed expectation is not an error)
    ├── PublishError                publishing or serving failed; consumers keep the last good data
    ├── RunLockedError              another run holds the warehouse's run lock; nothing was done
    ├── WarehouseError              the warehouse file cannot be opened (missing folder, lock, read-only)
    ├── DemoDataError               demo data generation
    └── SparkError                  the Spark target: no Java, master unreachable, a failed Spark job
"""

from __future__ import annotations


class SqlscoreError(Exception):
    """Base of every sqlscore error; the CLI maps it to exit code 2."""


class ConfigError(SqlscoreError):
    """A setting, path or declaration file is wrong."""


class InvalidNameError(SqlscoreError):
    """A name that would reach a path or SQL is not lower snake case."""


class RegistryError(SqlscoreError):
    """Something is wrong in the model registry."""


class ModelNotFoundError(RegistryError):
    """The requested model, version or alias does not exist."""


class VersionExistsError(RegistryError):
    """A version is immutable: it cannot be written twice."""


class IntegrityError(RegistryError):
    """An artifact does not match its model card (sha256, inputs or outputs)."""


class ExportError(SqlscoreError):
    """A fitted estimator could not be exported to a verified ONNX artifact."""


class UnsupportedEstimatorError(ExportError):
    """The estimator cannot be converted faithfully; nothing was written."""


class ParityError(ExportError):
    """onnxruntime and scikit-learn disagree beyond tolerance; nothing was written."""


class FunctionError(SqlscoreError):
    """A warehouse function could not be declared, registered or evaluated."""


class SignatureError(FunctionError):
    """A function was called with the wrong number or types of arguments."""


class CompileError(FunctionError):
    """The SQL engine cannot translate a model's graph; the message names the op and the model."""


class GateError(SqlscoreError):
    """The gate could not evaluate the suites; nothing is published."""


class PublishError(SqlscoreError):
    """Publishing failed; the published tables and serving file are unchanged."""


class RunLockedError(SqlscoreError):
    """Another ``sqlscore run`` is running on the same warehouse; this one did nothing."""


class WarehouseError(SqlscoreError):
    """The warehouse (or the serving file) cannot be opened as asked; the message says why."""


class DemoDataError(SqlscoreError):
    """The demo data could not be generated."""


class SparkError(SqlscoreError):
    """The Spark target could not do its job (Java, the master, a Spark job); the message says
    which URL, model, version or table, and what to do."""
