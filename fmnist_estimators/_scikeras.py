"""The one module that imports scikeras.

scikeras' :class:`~scikeras.wrappers.BaseWrapper` gives the estimators their
``fit``/``partial_fit`` control flow (initialise or continue, encode the
targets, call ``_fit_keras_model``), routed ``prefix__name`` parameters in
``set_params``, callbacks given as classes, and, through the patches that
``import scikeras`` applies to Keras, the pickling of Keras objects given
as parameters (the fitted network is kept as ``.keras`` bytes by the
estimator itself, ``_persistence``).
scikeras has had no release since 0.13.0 (2024) and its repository was
archived in 2026: keeping it here, behind :class:`KerasWrapper`, means that
replacing it touches this module only (``docs/user_guide/scikeras.rst`` says
what that would take).
"""

from scikeras.utils import metric_name
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator

__all__ = ["KerasWrapper", "metric_name"]


class KerasWrapper(BaseWrapper):
    """scikeras' base wrapper with scikit-learn's rules for parameters.

    scikeras finds parameters in ``vars(self)``, which also picks up fitted
    state; scikit-learn's rule is the ``__init__`` signature. This class takes
    the signature, plus the extra keyword arguments (routed ``prefix__name``
    parameters) that ``__init__`` stored, and prints itself as scikit-learn
    estimators do.
    """

    def _get_param_names(self):
        names = BaseEstimator._get_param_names.__func__(type(self))
        extra = sorted(
            k
            for k in vars(self)
            if k not in names and not k.startswith("_") and not k.endswith("_")
        )
        return names + extra

    def __repr__(self, N_CHAR_MAX=700):
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def _check_model_param(self):
        # The network is built by the estimator (``_keras_build_fn``), not
        # given as scikeras' ``model`` parameter.
        return self._keras_build_fn

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")
