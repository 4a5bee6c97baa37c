"""Displays for training curves, searches and misclassified images.

They follow scikit-learn's ``Display`` pattern: ``from_estimator`` (or
``from_search``) computes what to show and calls ``plot``, which takes an
optional ``ax`` and stores the artists in ``ax_`` and ``figure_``. Matplotlib is
imported only when a figure is drawn.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted


def _axes_grid(ax, n_axes, *, figsize):
    """New figure with ``n_axes`` side by side, or check the axes given."""
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(1, n_axes, figsize=figsize, squeeze=False)
        return figure, ax.ravel()
    axes = np.atleast_1d(ax).ravel()
    if len(axes) != n_axes:
        raise ValueError(f"Expected {n_axes} axes, got {len(axes)}.")
    return axes[0].figure, axes


def _show_image(axis, image):
    """Draw one image: grayscale (inverted, dark ink on white) or colour."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        if image.dtype != np.uint8:
            # imshow wants floats in [0, 1]; scale raw pixels by their range.
            image = image.astype(float)
            top = image.max()
            image = np.clip(image / (255.0 if 1 < top <= 255 else max(top, 1.0)), 0, 1)
        axis.imshow(image)
        return
    if image.ndim == 3:
        image = image.mean(axis=2)
    axis.imshow(image, cmap="gray_r")


class TrainingHistoryDisplay:
    """Learning curves: per-epoch training and validation metrics.

    Parameters
    ----------
    history : dict of str to list of float
        Per-epoch metrics, as in an estimator's ``history_``.
    name : str, default=None
        Label of the curves in the legend.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The plotted curves.
    ax_ : ndarray of matplotlib Axes
        One axes per metric.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> from fmnist_estimators import TrainingHistoryDisplay
    >>> display = TrainingHistoryDisplay.from_estimator(clf)  # doctest: +SKIP
    >>> TrainingHistoryDisplay.from_estimator(other, ax=display.ax_)  # doctest: +SKIP
    """

    def __init__(self, history, *, name=None):
        self.history = history
        self.name = name

    @classmethod
    def from_estimator(cls, estimator, *, metrics=("accuracy", "loss"), ax=None, name=None):
        """Plot the learning curves of a fitted ANN or CNN classifier.

        Parameters
        ----------
        estimator : fitted ANNClassifier or CNNClassifier
            Its ``history_`` is plotted.
        metrics : tuple of str, default=("accuracy", "loss")
            Metrics to plot, one axes each.
        ax : array of matplotlib Axes, default=None
            Axes to draw on, one per metric; None makes a new figure. Passing
            the ``ax_`` of another display overlays two models.
        name : str, default=None
            Legend label; the estimator's class name by default.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        check_is_fitted(estimator, "history_")
        name = type(estimator).__name__ if name is None else name
        return cls(estimator.history_, name=name).plot(metrics=metrics, ax=ax)

    def plot(self, *, metrics=("accuracy", "loss"), ax=None):
        """Draw the curves.

        Parameters
        ----------
        metrics : tuple of str, default=("accuracy", "loss")
            Metrics to plot, one axes each.
        ax : array of matplotlib Axes, default=None
            Axes to draw on, one per metric; None makes a new figure.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        missing = [m for m in metrics if m not in self.history]
        if missing:
            raise ValueError(
                f"history has no {missing}; it has {sorted(self.history)}."
            )
        from matplotlib.ticker import MaxNLocator

        self.figure_, self.ax_ = _axes_grid(
            ax, len(metrics), figsize=(5 * len(metrics), 3.8)
        )
        prefix = f"{self.name} " if self.name else ""
        self.lines_ = []
        for axis, metric in zip(self.ax_, metrics):
            epochs = np.arange(1, len(self.history[metric]) + 1)
            (train_line,) = axis.plot(
                epochs, self.history[metric], marker="o", label=f"{prefix}train"
            )
            self.lines_.append(train_line)
            if f"val_{metric}" in self.history:
                (val_line,) = axis.plot(
                    epochs, self.history[f"val_{metric}"], marker="o",
                    linestyle="--", color=train_line.get_color(),
                    label=f"{prefix}validation",
                )
                self.lines_.append(val_line)
            axis.set(xlabel="epoch", ylabel=metric, title=metric.replace("_", " "))
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            axis.grid(alpha=0.3)
            axis.legend()
        return self


class MisclassifiedImagesDisplay:
    """A row of the test images a model got wrong with the most confidence.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width) or \
(n_images, height, width, channels)
        The misclassified images. One channel is drawn in grayscale, three
        (RGB) or four (RGBA) in colour, any other number as the mean of the
        channels in grayscale.
    y_true, y_pred : ndarray of shape (n_images,)
        True and predicted labels.
    confidence : ndarray of shape (n_images,)
        Probability given to the (wrong) predicted class.
    target_names : list of str, default=None
        Names of the classes when the labels are class indices.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes
        One axes per image.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> from fmnist_estimators import MisclassifiedImagesDisplay
    >>> MisclassifiedImagesDisplay.from_estimator(  # doctest: +SKIP
    ...     clf, X_test, y_test, target_names=names, n_images=8)
    """

    def __init__(self, images, y_true, y_pred, confidence, *, target_names=None):
        self.images = images
        self.y_true = y_true
        self.y_pred = y_pred
        self.confidence = confidence
        self.target_names = target_names

    @classmethod
    def from_estimator(cls, estimator, X, y, *, n_images=10, target_names=None, ax=None):
        """Find and plot the most confidently misclassified images.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba``
            The model to inspect.
        X : array-like
            Images, in any shape the estimator accepts.
        y : array-like of shape (n_samples,)
            True labels.
        n_images : int, default=10
            Number of images to show.
        target_names : list of str, default=None
            Class names for integer labels.
        ax : array of matplotlib Axes, default=None
            ``n_images`` axes to draw on; None makes a new figure.

        Returns
        -------
        display : MisclassifiedImagesDisplay
        """
        proba = estimator.predict_proba(X)
        return cls.from_predictions(
            X, y, proba, classes=estimator.classes_, image_shape=estimator.image_shape_,
            n_images=n_images, target_names=target_names, ax=ax,
        )

    @classmethod
    def from_predictions(
        cls, X, y, proba, *, classes, image_shape, n_images=10, target_names=None, ax=None
    ):
        """Plot from precomputed class probabilities.

        Parameters
        ----------
        X : array-like
            Images.
        y : array-like of shape (n_samples,)
            True labels.
        proba : ndarray of shape (n_samples, n_classes)
            Predicted probabilities.
        classes : ndarray of shape (n_classes,)
            Labels of the columns of ``proba``.
        image_shape : tuple of (int, int) or (int, int, int)
            Height and width, and optionally channels, of one image.
        n_images : int, default=10
            Number of images to show.
        target_names : list of str, default=None
            Class names for integer labels.
        ax : array of matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : MisclassifiedImagesDisplay
        """
        y = np.asarray(y)
        predicted = np.argmax(proba, axis=1)
        y_pred = np.asarray(classes)[predicted]
        confidence = proba[np.arange(len(proba)), predicted]
        wrong = np.flatnonzero(y_pred != y)
        chosen = wrong[np.argsort(-confidence[wrong], kind="stable")][:n_images]
        images = np.asarray(X)[chosen].reshape(-1, *image_shape)
        display = cls(
            images, y[chosen], y_pred[chosen], confidence[chosen], target_names=target_names
        )
        return display.plot(ax=ax)

    def _name(self, label):
        if self.target_names is not None and np.issubdtype(type(label), np.integer):
            return self.target_names[label]
        return str(label)

    def plot(self, *, ax=None):
        """Draw the images with their true and predicted labels.

        Parameters
        ----------
        ax : array of matplotlib Axes, default=None
            One axes per image; None makes a new figure.

        Returns
        -------
        display : MisclassifiedImagesDisplay
        """
        n_images = max(len(self.images), 1)
        self.figure_, self.ax_ = _axes_grid(ax, n_images, figsize=(1.6 * n_images, 2.4))
        for axis in self.ax_:
            axis.axis("off")
        for axis, image, true, pred, conf in zip(
            self.ax_, self.images, self.y_true, self.y_pred, self.confidence
        ):
            _show_image(axis, image)
            axis.set_title(
                f"true: {self._name(true)}\npred: {self._name(pred)}\n({conf:.0%})",
                fontsize=8,
            )
        return self


class SearchHeatmapDisplay:
    """Heatmap of a search's mean scores over two hyperparameters.

    Parameters
    ----------
    scores : pandas.DataFrame
        Mean scores, indexed by the values of ``y_param`` with one column per
        value of ``x_param``.
    x_param, y_param : str
        Names of the two hyperparameters.
    score_name : str, default="validation accuracy"
        Label of the colour bar.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The heatmap's axes.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> from fmnist_estimators import SearchHeatmapDisplay
    >>> SearchHeatmapDisplay.from_search(  # doctest: +SKIP
    ...     grid_search, x_param="batch_size", y_param="learning_rate")
    """

    def __init__(self, scores, *, x_param, y_param, score_name="validation accuracy"):
        self.scores = scores
        self.x_param = x_param
        self.y_param = y_param
        self.score_name = score_name

    @classmethod
    def from_search(cls, search, *, x_param, y_param, score="mean_test_score", ax=None):
        """Plot a fitted ``GridSearchCV`` (or its ``cv_results_``).

        Parameters
        ----------
        search : fitted search or dict
            A search with ``cv_results_``, or the ``cv_results_`` dict.
        x_param, y_param : str
            Hyperparameters for the columns and the rows, with or without the
            ``param_`` prefix.
        score : str, default="mean_test_score"
            Key of ``cv_results_`` to show.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : SearchHeatmapDisplay
        """
        results = pd.DataFrame(getattr(search, "cv_results_", search))
        x_col, y_col = (p if p.startswith("param_") else f"param_{p}" for p in (x_param, y_param))
        scores = results.pivot_table(index=y_col, columns=x_col, values=score, aggfunc="mean")
        return cls(
            scores, x_param=x_col.removeprefix("param_"), y_param=y_col.removeprefix("param_")
        ).plot(ax=ax)

    def plot(self, *, ax=None, cmap="viridis"):
        """Draw the heatmap with the score written in each cell.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        cmap : str, default="viridis"
            Colour map.

        Returns
        -------
        display : SearchHeatmapDisplay
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(1.8 * self.scores.shape[1] + 2, 1.2 * self.scores.shape[0] + 1.5))
        values = self.scores.to_numpy(dtype=float)
        image = ax.imshow(values, cmap=cmap, aspect="auto")
        ax.set_xticks(range(values.shape[1]), [f"{v:g}" for v in self.scores.columns])
        ax.set_yticks(range(values.shape[0]), [f"{v:g}" for v in self.scores.index])
        ax.set(xlabel=self.x_param, ylabel=self.y_param)
        middle = np.nanmean(values)
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:.4f}", ha="center", va="center",
                    color="white" if value < middle else "black")
        ax.figure.colorbar(image, ax=ax, label=self.score_name)
        self.ax_, self.figure_ = ax, ax.figure
        return self
