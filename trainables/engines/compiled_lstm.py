"""One shape's compiled functions: the weights of every repeat side by side (a leading lane axis), the Keras optimizer's
and seed generators' state, and the training, walk-forward and rollout functions traced over them (`compiled.py`
drives them and caches one per shape)."""

from __future__ import annotations

from trainables.engines.lstm_cell import lane_matmul, lstm_cell
from trainables.spec import ModelSpec


class CompiledLSTM:
    """Weights, Keras optimizer and seed-generator state and compiled functions for one shape, reused across trials."""

    def __init__(self, spec: ModelSpec, batch_size: int, repeats: int, padded: bool = False):
        import tensorflow as tf

        self.spec, self.batch_size, self.repeats = spec, batch_size, repeats
        # Unpadded (one origin, or sliding windows) traces exactly the protocol's graph, bit for bit.
        self.padded = padded
        n = spec.neurons
        shapes = []
        for layer in range(spec.layers):
            shapes += [(spec.layer_inputs(layer), 4 * n), (n, 4 * n), (4 * n,)]
        head = [(n, spec.outputs), (spec.outputs,)]
        self.variables = [tf.Variable(tf.zeros((repeats, *shape))) for shape in [*shapes, *head]]
        self.optimizer = spec.keras_optimizer()
        self.optimizer.build(self.variables)
        self.fresh_optimizer_state = [tf.constant(v.numpy()) for v in self.optimizer.variables]
        self.loss_per_sample = spec.keras_loss()
        # Each repeat's Keras LSTM layers hold one dropout SeedGenerator each; all draw equally often,
        # so their states are the (repeat, layer) seeds and one shared count of draws made.
        self.dropout_seeds = tf.Variable(tf.zeros((repeats, spec.layers), tf.int64))
        self.draws_made = tf.Variable(tf.constant(0, tf.int64))
        self.start = tf.function(self._start, jit_compile=True)
        self.train = tf.function(self._train, jit_compile=True)
        # One function per input shape (walk-forward, test alone), so neither ever retraces.
        self.forecast_walk = tf.function(self._forecast, jit_compile=True)
        self.forecast_test = tf.function(self._forecast, jit_compile=True)
        self.test_compiled = False  # compiled on first use: only diagnostics forecast the test rows alone
        self.rollouts: dict[int, object] = {}  # horizon -> its compiled recursive forecast

    def _start(self, initial_weights, dropout_seeds):
        for variable, value in zip(self.variables, initial_weights):
            variable.assign(value)
        for variable, value in zip(self.optimizer.variables, self.fresh_optimizer_state):
            variable.assign(value)
        self.dropout_seeds.assign(dropout_seeds)
        self.draws_made.assign(0)

    def zero_states(self, batch_size: int):
        import tensorflow as tf

        zeros = tf.zeros((self.repeats, batch_size, self.spec.neurons))
        return tuple((zeros, zeros) for _ in range(self.spec.layers))

    def _masks(self, batch_size: int) -> list[tuple[list, list]]:
        """Each layer's dropout masks for one call, drawn as Keras draws them: inputs first, then recurrent.

        Returns per layer (input masks, recurrent masks), each a list of (repeats, batch, width) tensors.
        """
        from trainables.engines.philox import dropout_masks, keras_seeds

        input_draws, recurrent_draws = self.spec.mask_draws
        seeds = keras_seeds(self.dropout_seeds, self.draws_made, input_draws + recurrent_draws)  # (R, layers, draws, 2)
        self.draws_made.assign_add(input_draws + recurrent_draws)
        masks = []
        for layer in range(self.spec.layers):
            inputs = dropout_masks((batch_size, self.spec.layer_inputs(layer)), self.spec.dropout, seeds[:, layer, :input_draws])
            states = dropout_masks((batch_size, self.spec.neurons), self.spec.recurrent_dropout, seeds[:, layer, input_draws:])
            masks.append(([inputs[:, draw] for draw in range(input_draws)], [states[:, draw] for draw in range(recurrent_draws)]))
        return masks

    def _skip_draws(self, calls) -> None:
        """Advance past the draws `calls` layer calls without training make (Keras draws masks anyway)."""
        import tensorflow as tf

        self.draws_made.assign_add(tf.cast(calls * sum(self.spec.mask_draws), tf.int64))

    def _call(self, x, states, masks):
        """One batch (batch, timesteps, lags) through the stacked layers and the `Dense` head.

        Returns (repeats, batch) forecasts, or (repeats, batch, outputs) for a direct model's head, and each layer's
        (h, c) after the last time step.
        """
        import tensorflow as tf

        if x.shape.rank == 4:  # (repeats, batch, timesteps, lags): origins trained side by side, each its own inputs
            sequence = [x[:, :, step, :] for step in range(x.shape[2])]
        else:  # (batch, timesteps, lags): every repeat sees the same inputs
            sequence = [tf.broadcast_to(x[None, :, step, :], (self.repeats, *x[:, step, :].shape)) for step in range(x.shape[1])]
        new_states = []
        for layer, (h, c) in enumerate(states):
            kernel, recurrent_kernel, bias = self.variables[3 * layer : 3 * layer + 3]
            input_masks, recurrent_masks = masks[layer] if masks else ([], [])
            outputs = []
            for step_input in sequence:
                h, c = lstm_cell(step_input, h, c, kernel, recurrent_kernel, bias, input_masks, recurrent_masks)
                outputs.append(h)
            sequence = outputs
            new_states.append((h, c))
        dense_kernel, dense_bias = self.variables[-2:]
        if self.spec.outputs > 1:
            return lane_matmul(sequence[-1], dense_kernel) + dense_bias[:, None, :], tuple(new_states)
        return lane_matmul(sequence[-1], dense_kernel)[..., 0] + dense_bias, tuple(new_states)

    def _penalty(self):
        """Keras's L1L2 regularisation losses of every LSTM kernel and recurrent kernel, summed."""
        import tensorflow as tf

        kernels = [v for index, v in enumerate(self.variables[:-2]) if index % 3 < 2]
        penalty = tf.constant(0.0)
        for kernel in kernels:
            if self.spec.l1:
                penalty += self.spec.l1 * tf.reduce_sum(tf.abs(kernel))
            if self.spec.l2:
                penalty += self.spec.l2 * tf.reduce_sum(tf.square(kernel))
        return penalty

    def _train_step(self, step, states, train_x, train_y, first_batch):
        """One stateful batch; the carried state is an input, so no gradient crosses batches (as in Keras).

        Batches before `first_batch` are padding: never trained on.
        """
        import tensorflow as tf

        if self.padded:  # gather, not a slice: a slice at an argument's offset would compile once per offset
            batch_in_epoch = step % (train_x.shape[0] - first_batch)
            x, y = tf.gather(train_x, first_batch + batch_in_epoch), tf.gather(train_y, first_batch + batch_in_epoch)
        else:
            batch_in_epoch = step % train_x.shape[0]
            x, y = train_x[batch_in_epoch], train_y[batch_in_epoch]
        zeros = self.zero_states(self.batch_size)
        states = tf.nest.map_structure(lambda zero, state: tf.where(batch_in_epoch == 0, zero, state), zeros, states)
        masks = self._masks(self.batch_size) if self.spec.uses_dropout else None
        with tf.GradientTape() as tape:
            yhat, states = self._call(x, states, masks)
            # Keras: per-sample loss, averaged over the batch; summed over repeats keeps gradients apart.
            if self.spec.outputs > 1:  # targets (..., batch, outputs), NaN past the training window
                per_sample = self.loss_per_sample(tf.broadcast_to(y, yhat.shape), yhat)
            else:
                per_sample = self.loss_per_sample(tf.broadcast_to(y, yhat.shape)[..., None], yhat[..., None])
            loss = tf.reduce_sum(tf.reduce_mean(per_sample, axis=-1)) + self._penalty()
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.variables), self.variables))
        return step + 1, states

    def _train(self, epochs, train_x, train_y, first_batch):
        """Continue training for `epochs` more epochs; (batches, batch, timesteps, lags) inputs."""
        import tensorflow as tf

        steps = epochs * (train_x.shape[0] - first_batch if self.padded else train_x.shape[0])
        tf.while_loop(
            lambda step, states: step < steps,
            lambda step, states: self._train_step(step, states, train_x, train_y, first_batch),
            (tf.constant(0), self.zero_states(self.batch_size)),
        )

    def _forecast(self, inputs, advance_generators, first_batch):
        """One-step forecasts of (batches, batch, timesteps, lags) inputs in order, from a reset state, state carried.

        A scan, not an unrolled loop, keeps compile time flat in the number of batches. When the
        training model itself forecasts (as in Keras), its dropout generators advance as Keras's would.
        Padded: the state is reset up to `first_batch`, so forecasting starts there as from a reset state.
        Returns (repeats, batches, batch), or (repeats, batches, batch, outputs) for a direct model.
        """
        import tensorflow as tf

        def forecast_step(carry, x):
            _, states = carry
            return self._call(x, states, None)

        def padded_forecast_step(carry, indexed):
            index, x = indexed
            _, states = carry
            states = tf.nest.map_structure(lambda state: tf.where(index <= first_batch, tf.zeros_like(state), state), states)
            return self._call(x, states, None)

        if self.spec.uses_dropout and advance_generators:
            self._skip_draws(inputs.shape[0] - first_batch if self.padded else inputs.shape[0])
        batch_size = inputs.shape[-3]  # inputs: (batches, [repeats,] batch, timesteps, lags)
        head = (self.spec.outputs,) if self.spec.outputs > 1 else ()
        initial = (tf.zeros((self.repeats, batch_size, *head)), self.zero_states(batch_size))
        if self.padded:
            indexed = (tf.range(inputs.shape[0]), inputs)
            forecasts, _ = tf.scan(padded_forecast_step, indexed, initializer=initial)
        else:
            forecasts, _ = tf.scan(forecast_step, inputs, initializer=initial)
        return tf.transpose(forecasts, [1, 0, *range(2, forecasts.shape.rank)])

    def rollout_function(self, horizon: int):
        import tensorflow as tf

        if horizon not in self.rollouts:
            self.rollouts[horizon] = tf.function(
                lambda *arguments: self._rollout(*arguments, horizon=horizon), jit_compile=True, autograph=False
            )
        return self.rollouts[horizon]

    def _states_entering(self, inputs, first_batch):
        """Each layer's (h, c) as every batch of the walk-forward inputs arrives: (batches, repeats, batch, n) each."""
        import tensorflow as tf

        def step(carry, indexed):
            index, x = indexed
            _, states = carry
            first = index <= first_batch if self.padded else tf.equal(index, 0)
            states = tf.nest.map_structure(lambda state: tf.where(first, tf.zeros_like(state), state), states)
            return states, self._call(x, states, None)[1]

        batch_size = inputs.shape[-3]
        initial = (self.zero_states(batch_size), self.zero_states(batch_size))
        entering, _ = tf.scan(step, (tf.range(inputs.shape[0]), inputs), initializer=initial)
        return entering

    def _rollout(self, inputs, first_batch, test_inputs, low, scale, *, horizon: int):
        """Recursive forecasts of `horizon` steps from every test row's cutoff: (repeats, test rows, horizon).

        Each test row starts from the state its lane holds when the walk-forward reaches it, forecasts from its own
        inputs, then from the differences known at the cutoff followed by its forecasts, rescaled as inputs: the
        state carried on, all cutoffs of all repeats side by side. `test_inputs` (repeats, rows, window) are the test
        rows' scaled inputs; `low`, `scale` (repeats, rows, window + 1) each row's scaler (its series').
        """
        import tensorflow as tf

        rows, window = test_inputs.shape[1], test_inputs.shape[2]
        test_batches = rows // inputs.shape[-3]
        states = tf.nest.map_structure(
            lambda state: tf.reshape(tf.transpose(state[-test_batches:], [1, 0, 2, 3]), (self.repeats, rows, state.shape[-1])),
            self._states_entering(inputs, first_batch),
        )
        input_low, input_scale = low[..., :window], scale[..., :window]
        target_low, target_scale = low[..., window], scale[..., window]

        def step(carry, _):
            _, differences, scaled, states = carry
            samples = tf.stack([scaled[..., time : time + self.spec.lags] for time in range(self.spec.timesteps)], axis=2)
            yhat, states = self._call(samples, states, None)
            differences = tf.concat([differences[..., 1:], ((yhat - target_low) / target_scale)[..., None]], axis=-1)
            return yhat, differences, differences * input_scale + input_low, states

        start = (tf.zeros((self.repeats, rows)), (test_inputs - input_low) / input_scale, test_inputs, states)
        forecasts = tf.scan(step, tf.range(horizon), initializer=start)[0]  # (horizon, repeats, rows)
        return tf.transpose(forecasts, [1, 2, 0])
