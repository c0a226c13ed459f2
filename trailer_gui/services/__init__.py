"""Application services: the use cases that orchestrate ``core`` (the Qt-free domain) and
``model`` (the ConvLSTM) - training, retraining, publishing predictions, adding videos, checking
a project. Qt-free, like core, but unlike core they may import ``model`` (lazily, so TensorFlow
is paid only when a model is used) and they run in worker threads (``workers`` calls them)."""
