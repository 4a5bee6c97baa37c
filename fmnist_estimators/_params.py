"""Checks of the keyword arguments that the image classifiers accept.

Besides their constructor parameters, the classifiers take routed
``prefix__name`` parameters in scikeras style (``optimizer__beta_1=0.8``,
``fit__validation_freq=2``). Each routed name is checked against what its
destination really accepts, so that a misspelled or ignored parameter fails
loudly with the closest valid name, as skorch's ``_check_kwargs`` does,
instead of being stored, reported by ``get_params`` and silently dropped.
"""

import difflib
import inspect
from numbers import Integral

import keras
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    validate_parameter_constraints,
)

# What each routing prefix reaches. ``callbacks__`` configures callbacks given
# as classes (scikeras' convention) and is checked when they are built.
ROUTING_PREFIXES = ("optimizer", "compile", "fit", "predict", "callbacks")

# Routed names that would override one of the estimator's own parameters,
# each with what to use instead.
_OWNED = {
    "fit": {
        "x": "the X argument of fit",
        "y": "the y argument of fit",
        "batch_size": "the batch_size parameter",
        "epochs": "the epochs parameter",
        "initial_epoch": "warm_start=True or partial_fit",
        "verbose": "the verbose parameter",
        "validation_split": "the validation_fraction parameter",
        "validation_data": "the validation_fraction parameter",
        "class_weight": "the class_weight parameter",
        "sample_weight": "the sample_weight argument of fit",
    },
    "compile": {
        "optimizer": "the optimizer parameter",
        "loss": "the label_smoothing parameter (the loss is the cross-entropy)",
        "metrics": "the scoring of scikit-learn's tools (the network reports accuracy)",
    },
    "optimizer": {
        "learning_rate": "the learning_rate and lr_schedule parameters",
        "weight_decay": "the weight_decay parameter",
    },
}

# Routed names that the estimator passes on, beyond the destination's signature.
_ALSO_ACCEPTED = {"fit": {"callbacks"}, "predict": {"batch_size"}}

_SIZES = {
    name: [Interval(Integral, 1, None, closed="left")]
    for name in (
        "fit__steps_per_epoch", "fit__validation_steps", "fit__validation_batch_size",
        "fit__validation_freq", "predict__batch_size", "compile__steps_per_execution",
    )
}


def _signature_names(function):
    """Keyword names of ``function``, following ``**kwargs`` up a class's bases."""
    return {
        name for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    } - {"self"}


def _optimizer_names(optimizer):
    """Constructor arguments of an optimizer class and of its bases."""
    names = set()
    for cls in inspect.getmro(optimizer):
        if "__init__" in vars(cls):
            names |= _signature_names(cls.__init__)
            kinds = {p.kind for p in inspect.signature(cls.__init__).parameters.values()}
            if inspect.Parameter.VAR_KEYWORD not in kinds:
                break
    return names - {"kwargs"}


def _accepted(destination, optimizer):
    """The names that ``destination__<name>`` may take."""
    if destination == "fit":
        names = _signature_names(keras.Model.fit)
    elif destination == "compile":
        names = _signature_names(keras.Model.compile)
    elif destination == "optimizer":
        if isinstance(optimizer, keras.optimizers.Optimizer):
            return set()
        if isinstance(optimizer, str):
            optimizer = type(keras.optimizers.get(optimizer))
        names = _optimizer_names(optimizer)
    else:
        names = set()
    names |= _ALSO_ACCEPTED.get(destination, set())
    return names - set(_OWNED.get(destination, {}))


def _suggestion(name, candidates, *, before="", after=""):
    """The sentence " Did you mean '<closest name>'?", or "" if none is close."""
    match = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" Did you mean {before + match[0] + after!r}?" if match else ""


def check_parameter_names(estimator, names, *, optimizer):
    """Raise for any of ``names`` that ``estimator`` does not use.

    Parameters
    ----------
    estimator : estimator instance
        An image classifier; its constructor signature lists the plain
        parameters.
    names : iterable of str
        Parameter names to check, plain or routed.
    optimizer : str, keras optimizer class or instance
        The optimizer the parameters will go with: it decides which
        ``optimizer__`` names exist.

    Raises
    ------
    InvalidParameterError
        A ``ValueError`` and ``TypeError`` naming the parameter, why it is
        refused, and the closest valid name or the estimator's own parameter
        to use instead.
    """
    cls_name = type(estimator).__name__
    own = set(BaseEstimator._get_param_names.__func__(type(estimator)))
    for name in names:
        if name in own:
            continue
        prefix, sep, rest = name.partition("__")
        if not sep:
            raise InvalidParameterError(
                f"{cls_name} got an unexpected parameter {name!r}."
                f"{_suggestion(name, own)} Routed parameters take a prefix: "
                f"{', '.join(p + '__' for p in ROUTING_PREFIXES)}."
            )
        if prefix not in ROUTING_PREFIXES:
            raise InvalidParameterError(
                f"{cls_name} got {name!r}, but {prefix + '__'!r} routes to nothing."
                f"{_suggestion(prefix, ROUTING_PREFIXES, after='__' + rest)}"
                f" Valid prefixes: {', '.join(p + '__' for p in ROUTING_PREFIXES)}."
            )
        if prefix == "callbacks":
            continue
        owned = _OWNED.get(prefix, {})
        if rest in owned:
            raise InvalidParameterError(
                f"{cls_name} sets {rest!r} itself, so {name!r} is refused: use "
                f"{owned[rest]} instead."
            )
        if prefix == "optimizer" and isinstance(optimizer, keras.optimizers.Optimizer):
            raise InvalidParameterError(
                f"{cls_name} got {name!r}, but optimizer is an instance, which is "
                "used as configured: set the argument on the instance, or pass the "
                "optimizer's name or class."
            )
        accepted = _accepted(prefix, optimizer)
        if rest not in accepted:
            where = {
                "fit": "keras.Model.fit", "compile": "keras.Model.compile",
                "predict": "prediction", "optimizer": f"the optimizer {optimizer!r}",
            }[prefix]
            raise InvalidParameterError(
                f"{cls_name} got {name!r}, but {where} takes no argument {rest!r}."
                f"{_suggestion(rest, accepted, before=prefix + '__')}"
                f" Accepted: {', '.join(sorted(prefix + '__' + a for a in accepted))}."
            )


def check_routed_sizes(estimator):
    """Raise unless every routed size parameter (``predict__batch_size``...) is >= 1."""
    sizes = {name: value for name, value in vars(estimator).items() if name in _SIZES}
    validate_parameter_constraints(_SIZES, sizes, caller_name=type(estimator).__name__)


def routed(params, destination):
    """The ``destination__<name>`` parameters, as ``{name: value}``.

    Parameters
    ----------
    params : dict
        An estimator's parameters.
    destination : str
        A routing prefix, such as "optimizer" or "fit".

    Returns
    -------
    routed : dict
        The matching parameters with the prefix removed.
    """
    prefix = destination + "__"
    return {
        name[len(prefix):]: value for name, value in params.items()
        if name.startswith(prefix)
    }
