"""Layers the recurrent hypermodels need that Keras does not ship."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kt_rnn")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Max over time of a sequence, ignoring masked (padding) steps.

    `keras.layers.GlobalMaxPooling1D` drops the mask, so padded steps of a
    recurrent layer's output (zeros under cuDNN) would enter the maximum.
    A sequence with no unmasked step pools to zeros.

    Example:

    ```python
    x = keras.layers.Embedding(1000, 16, mask_zero=True)(tokens)
    x = keras.layers.GRU(32, return_sequences=True)(x)
    x = MaskedGlobalMaxPooling1D()(x)  # (batch, 32)
    ```
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        valid = ops.expand_dims(ops.cast(mask, "bool"), -1)
        floor = ops.min(inputs)  # any valid step is >= this, so it never wins
        pooled = ops.max(ops.where(valid, inputs, floor), axis=1)
        return ops.where(ops.any(valid, axis=1), pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
