"""Names of traced TensorFlow functions that depend on the shape alone, so XLA's persistent cache finds them again."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Iterator


@contextlib.contextmanager
def stable_names(key: tuple) -> Iterator[None]:
    """Names for the functions traced meanwhile numbered from the shape's own range, not the process's counter.

    TensorFlow names each traced function (and each loop body and gradient) after a process-wide
    counter that every tensor also draws from, and XLA's persistent cache keys its entries by those
    names: a shape traced after another in one process and first in the next would miss the cache.
    Here only the names draw from a counter of the shape's own (ranges 10^6 apart from 10^12 up), so
    they follow the shape's own tracing, which is the same in every process. A TensorFlow that names
    functions otherwise is left alone: the cache then only serves a worker's repeated order.
    """
    from tensorflow.python.eager.polymorphic_function import concrete_function
    from tensorflow.python.ops import control_flow_util_v2

    ids = itertools.count(10**12 + int(hashlib.sha256(repr(key).encode()).hexdigest()[:9], 16) * 10**6)
    names = {
        (concrete_function, "_forward_name"): lambda n: f"__forward_{n}_{next(ids)}",
        (concrete_function, "_backward_name"): lambda n: f"__backward_{n}_{next(ids)}",
        (concrete_function, "_inference_name"): lambda n: f"__inference_{n}_{next(ids)}",
        (control_flow_util_v2, "unique_fn_name"): lambda scope, name: f"{scope}{name}_{next(ids)}".replace("/", "_"),
        (control_flow_util_v2, "unique_grad_fn_name"): lambda forward_name: f"{forward_name}_grad_{next(ids)}",
    }
    originals = {place: getattr(*place) for place in names if hasattr(*place)}
    for module, name in originals:
        setattr(module, name, names[module, name])
    try:
        yield
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
