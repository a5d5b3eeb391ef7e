"""The compiled engine's cache of compiled shapes is bounded, least recently used first."""


def test_the_cache_of_compiled_shapes_is_bounded_least_recently_used_first(shampoo, monkeypatch):
    from trainables.data import prepare
    from trainables.engines import compiled
    from trainables.model import initial_state
    from trainables.spec import ModelSpec

    monkeypatch.setattr(compiled, "_COMPILED", compiled.OrderedDict())
    monkeypatch.setattr(compiled, "COMPILED_SHAPES_KEPT", 2)
    data = prepare(shampoo, 12)
    specs = [ModelSpec(neurons=units) for units in (1, 2, 3)]

    def compile_seconds(spec):
        return compiled.CompiledRuns(data, 4, spec, [initial_state(spec, 0)]).compile_seconds

    assert all(compile_seconds(spec) > 0 for spec in specs[:2])
    assert compile_seconds(specs[0]) == 0  # still cached, and now the most recently used
    assert compile_seconds(specs[2]) > 0  # evicts units 2, the least recently used
    assert [key[1].neurons for key in compiled._COMPILED] == [1, 3]
    assert compile_seconds(specs[1]) > 0  # compiled again
