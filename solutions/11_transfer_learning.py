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
# **Exercise 11.1** — Write `load_pretrained(model, path, exclude)`, TF-Slim's
# `--checkpoint_exclude_scopes` in PyTorch: copy into `model` every tensor of
# the checkpoint at `path` whose name does *not* start with one of the prefixes
# in `exclude` (a prefix `"head"` covers `"head.weight"` and `"head.bias"`), and
# return the names of the tensors loaded. Read the file in the mode that cannot
# run code hidden in it.
#
# Nothing may go wrong silently. Raise an error that names the tensors concerned
# when a tensor's shape does not fit the model, when a tensor you keep has no
# place in the model (a `module.` prefix, a renamed layer), or when a tensor of
# the model is neither excluded nor in the checkpoint. The lesson showed what
# `load_state_dict` tells you and what it lets through. Best, look before you
# copy anything, so that a refused file leaves the model as it was.

# %%
def load_pretrained(model, path, exclude):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 11.1: load every tensor except those under the exclude prefixes")
    def excluded(name):  # "head" covers "head.weight", and "backbone.1" must not cover "backbone.10.weight"
        return any(name == prefix or name.startswith(prefix + ".") for prefix in exclude)

    checkpoint = torch.load(path, weights_only=True)
    kept = {name: tensor for name, tensor in checkpoint.items() if not excluded(name)}
    own = model.state_dict()
    unknown = [name for name in kept if name not in own]
    missing = [name for name in own if name not in kept and not excluded(name)]
    misfits = [name for name in kept if name in own and kept[name].shape != own[name].shape]
    if unknown or missing or misfits:  # check everything before loading: a refused file leaves the model as it was
        raise ValueError(f"not in the model: {unknown}; not in the checkpoint: {missing}; shapes differ: {misfits}")
    model.load_state_dict(kept, strict=False)  # strict=False only because the excluded tensors are absent
    return list(kept)
    # END SOLUTION


# %%
check.load_pretrained(load_pretrained)

# %% [markdown]
# **Exercise 11.2** — Write `freeze(model, trainable)`, TF-Slim's
# `--trainable_scopes`: afterwards, only the parameters whose names start with
# one of the prefixes in `trainable` can learn, and every other parameter is
# frozen. Each call decides afresh for every parameter: one that an earlier call
# froze learns again if a prefix now covers it. Return how many numbers (weights
# and biases) can learn. An optimizer given the trainable parameters must then
# change nothing else.

# %%
def freeze(model, trainable):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 11.2: switch requires_grad on only under the trainable prefixes")
    count = 0
    for name, parameter in model.named_parameters():
        parameter.requires_grad = any(name == prefix or name.startswith(prefix + ".") for prefix in trainable)
        if parameter.requires_grad:
            count += parameter.numel()
    return count
    # END SOLUTION


# %%
check.freeze(freeze)
