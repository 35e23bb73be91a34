"""Behavioural cloning from NetHack ttyrecs on RLlib's offline stack.

* :mod:`.batches` - a ttyrec minibatch of ``nle.dataset`` as the model's training batch;
* :mod:`.offline_data` - RLlib's ``OfflineData`` over ``nle.dataset``;
* :mod:`.learner` - the cross-entropy loss, with each lane's LSTM state carried on;
* :mod:`.algorithm` - ``BCConfig``/``BC`` with that data source and learner.
"""
