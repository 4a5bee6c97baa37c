"""
=============
Colour images
=============

The estimators take colour images as ``(n_samples, height, width, channels)``
uint8 arrays. Here the two photographs that ship with scikit-learn
(``load_sample_images``: a Chinese temple and a flower, 427x640 RGB) are cut
into 32x32 patches, and a CNN learns which photograph a patch comes from. The
patches of each photograph are split like the squares of a chessboard,
training on one colour of square and testing on the other, so that no test
pixel is seen in training. The same network on the mean of the three channels
shows what the colour adds.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_images

from fmnist_estimators import CNNClassifier, MisclassifiedImagesDisplay

PATCH = 32
photographs = load_sample_images()
parts = {"train": ([], []), "test": ([], [])}
for filename, image in zip(photographs.filenames, photographs.images):
    name = filename.rsplit("/", 1)[-1]
    rows, cols = image.shape[0] // PATCH, image.shape[1] // PATCH
    grid = image[:rows * PATCH, :cols * PATCH].reshape(rows, PATCH, cols, PATCH, 3)
    grid = grid.transpose(0, 2, 1, 3, 4)  # (rows, cols, 32, 32, 3)
    row, col = np.indices((rows, cols))
    for part, square in (("train", (row + col) % 2 == 0), ("test", (row + col) % 2 == 1)):
        parts[part][0].append(grid[square])
        parts[part][1].append(np.full(square.sum(), name))
(X, y), (X_test, y_test) = ((np.concatenate(a), np.concatenate(b)) for a, b in parts.values())
print(f"{len(X)} training and {len(X_test)} test patches of shape {X.shape[1:]}, {X.dtype}")

# %%
# Colour and grayscale
# --------------------
# A small CNN, 8 epochs on all training patches; the grayscale version sees
# the mean of the channels, an (n, 32, 32) array.
params = {"filters": (8, 16), "dense_units": (16,), "epochs": 8, "batch_size": 32,
          "validation_fraction": 0.0, "random_state": 0}
colour = CNNClassifier(**params).fit(X, y)
gray = CNNClassifier(**params).fit(X.mean(axis=3), y)
print(f"colour: image_shape_={colour.image_shape_}, pixel_scale_={colour.pixel_scale_:g}, "
      f"test accuracy {colour.score(X_test, y_test):.3f}")
print(f"grayscale: image_shape_={gray.image_shape_}, "
      f"test accuracy {gray.score(X_test.mean(axis=3), y_test):.3f}")

# %%
# Predicting on grayscale patches with the colour model is refused, with both
# shapes in the message.
try:
    colour.predict(X_test.mean(axis=3))
except ValueError as error:
    print(error)

# %%
# The colour model's most confident mistakes, drawn in colour
# ------------------------------------------------------------
MisclassifiedImagesDisplay.from_estimator(colour, X_test, y_test, n_images=6)
plt.show()
