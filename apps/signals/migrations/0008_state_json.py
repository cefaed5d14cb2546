"""Stream states move from pickle (version 1) to the versioned JSON + `.npy` format (version 2, apps/signals/state.py).

Each pickled row is read once, here, by an unpickler that resolves only the classes a processor is made of, and
written back in the new format; run time never unpickles. The conversion uses the processor classes of this
release: a later change to them must keep reading what this migration wrote (the version-2 format), not pickles.
"""
from __future__ import annotations

import io
import pickle
from typing import Any

from django.db import migrations, models

# What a pickled StreamProcessor refers to (checked against states of every release since 0001).
ALLOWED_MODULES = ("apps.signals.processing", "kernels.regime.", "kernels.signal_compiler.", "collections",
                   "datetime", "numpy", "copyreg")


class _ProcessorUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if not any(module == m.rstrip(".") or module.startswith(m) for m in ALLOWED_MODULES):
            raise pickle.UnpicklingError(f"a stream state may not refer to {module}.{name}")
        return super().find_class(module, name)


def legacy_loads(blob: bytes) -> Any:
    return _ProcessorUnpickler(io.BytesIO(blob)).load()


def convert_pickled_states(apps: Any, schema_editor: Any) -> None:
    from apps.signals.state import processor_dumps

    StreamState = apps.get_model("signals", "StreamState")
    for state in StreamState.objects.order_by("pk").iterator(chunk_size=100):
        blob = bytes(state.blob)
        if blob.startswith(b"{"):
            continue  # already version 2
        state.blob, state.version = processor_dumps(legacy_loads(blob)), 2
        state.save(update_fields=["blob", "version"])


def back_to_pickle(apps: Any, schema_editor: Any) -> None:
    from apps.signals.state import processor_loads

    StreamState = apps.get_model("signals", "StreamState")
    for state in StreamState.objects.order_by("pk").iterator(chunk_size=100):
        state.blob, state.version = pickle.dumps(processor_loads(state.blob)), 1
        state.save(update_fields=["blob", "version"])


class Migration(migrations.Migration):

    dependencies = [("signals", "0007_window_signals_nullable")]

    operations = [
        migrations.AlterField(model_name="streamstate", name="version",
                              field=models.PositiveIntegerField(default=2, help_text="Format of `blob`: 1 pickle "
                                                                "(before 0008), 2 JSON + .npy (apps/signals/state.py).")),
        migrations.RunPython(convert_pickled_states, back_to_pickle),
    ]
