# %% [markdown]
# # 11 · Transfer learning: exercises
#
# TF-Slim's two flags, `--checkpoint_exclude_scopes` and `--trainable_scopes`,
# as PyTorch functions.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/11_transfer_learning.ipynb`

# %%
import torch

from mlcourse import check
from mlcourse.reproducible import seed_everything

seed_everything(0)

# %% [markdown]
# **Exercise 11.1** — Write `load_pretrained(model, path, exclude)`: read the
# checkpoint at `path` safely (`torch.load(path, weights_only=True)` loads
# tensors and nothing else), keep every tensor whose name does *not* start with
# one of the prefixes in `exclude` (a prefix `"head"` covers `"head.weight"` and
# `"head.bias"`), load those into `model` (`model.load_state_dict(kept,
# strict=False)`), and return their names. A tensor whose shape does not fit
# the model must raise an error that names it.

# %%
def load_pretrained(model, path, exclude):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 11.1: load every tensor except those under the exclude prefixes")
    checkpoint = torch.load(path, weights_only=True)
    kept = {name: tensor for name, tensor in checkpoint.items()
            if not any(name.startswith(prefix) for prefix in exclude)}
    model.load_state_dict(kept, strict=False)  # raises, naming the tensor, if a shape does not fit
    return list(kept)
    # END SOLUTION


# %%
check.load_pretrained(load_pretrained)

# %% [markdown]
# **Exercise 11.2** — Write `freeze(model, trainable)`: for every parameter of
# `model` (`model.named_parameters()`), set `requires_grad` to `True` if its name
# starts with one of the prefixes in `trainable`, and to `False` otherwise.
# Return the number of trainable values (the sum of `parameter.numel()`). An
# optimizer given only those parameters then changes nothing else.

# %%
def freeze(model, trainable):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 11.2: switch requires_grad on only under the trainable prefixes")
    count = 0
    for name, parameter in model.named_parameters():
        parameter.requires_grad = any(name.startswith(prefix) for prefix in trainable)
        if parameter.requires_grad:
            count += parameter.numel()
    return count
    # END SOLUTION


# %%
check.freeze(freeze)
