"""kt_rnn: hyperparameter search for Keras recurrent networks.

`python -m kt_rnn.search imdb` loads a dataset, tunes a recurrent HyperModel with
KerasTuner, logs every trial to TensorBoard and exports the best model as a
TensorFlow SavedModel that serves raw text.
"""

__version__ = "0.1.0"
