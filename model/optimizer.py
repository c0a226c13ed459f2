"""Adam with each variable's update as one fused TensorFlow kernel.

Keras 3's Adam writes each variable's update as about two dozen small ops (casts, two
powers, the step size, two moment updates, a square root, a division, three assignments).
For the model's 19 trainable variables that is ~450 of the training graph's 2,200 nodes:
TensorFlow traces, optimises (Grappler) and instantiates every one of them before the first
step, and runs them every step. `FusedAdam` hands each update to TensorFlow's own
`ResourceApplyAdam` kernel: the same rule (Kingma & Ba with Keras' epsilon outside the square
root, which is also TensorFlow's), one node per variable. Measured at 64x64, batch 8 (fresh
processes, alternating): the graph 2,202 -> 1,746 nodes, its trace 1.0-1.13 -> 0.88 s, the
first step 2.97-3.56 -> 2.63-2.76 s, the update itself 3.3-4.1 -> 2.0-2.3 ms a step.

The same variables as Keras' Adam (saved, loaded and resumed the same way); under a
tf.distribute strategy, with amsgrad or with sparse gradients it takes Keras' own path, whose
per-replica handling `ResourceApplyAdam` does not know.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from .layers import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam`, each variable's step one `ResourceApplyAdam` kernel."""

    def update_step(self, gradient, variable, learning_rate):
        if (self.amsgrad or isinstance(gradient, tf.IndexedSlices)
                or tf.distribute.has_strategy() or not isinstance(variable, tf.Variable)):
            return super().update_step(gradient, variable, learning_rate)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=m.value.handle, v=v.value.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
            use_locking=False)


def as_fused(optimizer, variables):
    """`optimizer` as a `FusedAdam` with the same settings and state when it is Keras' own
    Adam (a run saved before `FusedAdam` existed, resumed); any other optimizer as it is.

    Without this a project's chain of one-click retrains, each resumed from the last run,
    would keep Keras' Adam, and its slower first step, for ever.  The state (step count,
    moments) is copied only when both optimizers hold the same variables in the same shapes;
    otherwise the loaded optimizer is kept unchanged."""
    if type(optimizer) is not keras.optimizers.Adam or optimizer.amsgrad:
        return optimizer
    fused = FusedAdam.from_config(optimizer.get_config())
    if optimizer.built:
        fused.build(variables)
        old, new = optimizer.variables, fused.variables
        if [tuple(v.shape) for v in old] != [tuple(v.shape) for v in new]:
            return optimizer
        for source, target in zip(old, new):
            target.assign(source)
    return fused
