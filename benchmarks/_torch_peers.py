"""The seed's networks in PyTorch, as peers for ``bench_speed.py``.

Two ways a PyTorch user would train them, each with the seed's settings
(Adam at 1e-3, batches of 128 shuffled every epoch, the same 54,000 / 6,000
split scored on the validation set after every epoch):

* ``torch``: a hand-written training loop over shuffled index batches of
  tensors held in memory (no ``DataLoader``, which collates each batch image
  by image). It validates and predicts in chunks of 512 images: for the
  CNN's 10,000 test images, chunks of 128, 512 and 2,048 took 2.2-2.3,
  1.6-1.8 and 2.5-2.9 s (an ad hoc trial on the 2-core AMD EPYC).
* ``skorch``: skorch's ``NeuralNetClassifier``, the scikit-learn wrapper for
  PyTorch, with the seed's validation set as its ``train_split``; it
  predicts in batches of its ``batch_size``.

The layers are the seed's, with PyTorch's default initialisation and
``torch.get_num_threads()`` threads (one per core). Each runner returns its
import and training times and a function that predicts probabilities on the
test set, which ``bench_speed.py`` times as it times the others.
"""

import time


def seed_module(kind):
    """The notebook's ``"ann"`` or ``"cnn"`` as a ``torch.nn.Sequential``, ending in logits."""
    from torch import nn

    if kind == "ann":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def _tensors(kind, images):
    """Scaled float32 tensors of shape (n, 1, 28, 28) for the CNN, (n, 28, 28) for the ANN."""
    import torch

    X = torch.from_numpy(images.astype("float32") / 255.0)
    return X.unsqueeze(1) if kind == "cnn" else X


def run_torch_loop(kind, epochs, data, batch_size=128, predict_batch_size=512):
    """Train with a hand-written PyTorch loop: import and fit seconds, a predict function."""
    start = time.perf_counter()
    import torch
    from torch import nn

    import_time = time.perf_counter() - start
    X_train, y_train, X_val, y_val, X_test, _ = data
    torch.manual_seed(0)
    X_train, X_val, X_test = (_tensors(kind, x) for x in (X_train, X_val, X_test))
    y_train, y_val = (torch.from_numpy(y.astype("int64")) for y in (y_train, y_val))
    model = seed_module(kind)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def logits(X):
        """The network's outputs in evaluation mode, chunk by chunk."""
        model.eval()
        with torch.inference_mode():
            return torch.cat([model(chunk) for chunk in X.split(predict_batch_size)])

    validation_history = []
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(X_train)).split(batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        # The validation loss and accuracy that Keras records after each epoch.
        val_logits = logits(X_val)
        accuracy = (val_logits.argmax(1) == y_val).float().mean()
        validation_history.append((loss_fn(val_logits, y_val).item(), accuracy.item()))
    fit_time = time.perf_counter() - start

    def predict():
        return torch.softmax(logits(X_test), dim=1).numpy()

    return import_time, fit_time, predict


def run_skorch(kind, epochs, data, batch_size=128):
    """Train skorch's ``NeuralNetClassifier``: import and fit seconds, a predict function."""
    start = time.perf_counter()
    import torch
    from skorch import NeuralNetClassifier
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    import_time = time.perf_counter() - start
    X_train, y_train, X_val, y_val, X_test, _ = data
    torch.manual_seed(0)
    X_train, X_val, X_test = (_tensors(kind, x).numpy() for x in (X_train, X_val, X_test))
    y_train, y_val = y_train.astype("int64"), y_val.astype("int64")
    net = NeuralNetClassifier(
        seed_module(kind), criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam, lr=1e-3, batch_size=batch_size, max_epochs=epochs,
        train_split=predefined_split(Dataset(X_val, y_val)),
        iterator_train__shuffle=True,  # skorch does not shuffle by default; Keras does
        verbose=0,
    )
    start = time.perf_counter()
    net.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    return import_time, fit_time, lambda: net.predict_proba(X_test)

