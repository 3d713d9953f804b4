# %% [markdown]
# # 11 · Transfer learning: start from a model that already knows something
#
# **Questions**
# - When can a network trained on one task help with another?
# - What is the difference between transfer learning, fine tuning and retraining?
# - How much labelled data does each pattern need?
#
# **Objectives**
# - Load a pretrained checkpoint except the layers that do not fit (TF-Slim's `--checkpoint_exclude_scopes`).
# - Freeze all but the layers to train (TF-Slim's `--trainable_scopes`).
# - Use each of the four training patterns in the situation it is made for.
# - Read the data-requirement curve: accuracy against labelled examples for each pattern.
#
# **Minutes**: 35 (20 teaching, 15 exercises) · **Prerequisites**: lessons 04 and 09.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from mlcourse import data, paper, transfer
from mlcourse.reproducible import seed_everything

seed_everything(0)
BACKBONE = data.path(transfer.BACKBONE_FILE)  # checked against its SHA-256 in data/README.md
STEPS = 300
d = data.load_mnist1d()

# %% [markdown]
# ## Four ways to train
#
# | | train from scratch | transfer learn | fine tune | retrain |
# |---|---|---|---|---|
# | **when** | no pretrained model | pretrained model for a *different* task | pretrained model for the *same* task | pretrained model for the same task, different output classes |
# | **data needed** | highest | reduced | reduced | reduced |
# | **training time** | highest | reduced | reduced to unchanged | reduced |
# | **tasks involved** | 1 | 2 | 1 | 1 |
# | **used when** | lots of data and compute, highest accuracy required | limited data and compute | more data or compute, to improve accuracy | classes to add or remove |
#
# Image models start from ImageNet weights published by others. This course
# never downloads anything, so `data/` holds a small stand-in made by a script
# in the repo: the CNN of lesson 09, trained on MNIST-1D digits **0 to 4**.
# That is our "source task". Its layers are named `backbone` (the convolutions,
# which turn a signal into 125 features) and `head` (the classifier on top).

# %%
source = paper.CNN(classes=len(transfer.SOURCE_CLASSES))
loaded = transfer.load_pretrained(source, BACKBONE)
x_src, y_src = transfer.classes_subset(d["x_test"], d["y_test"], transfer.SOURCE_CLASSES)
print(f"loaded {len(loaded)} tensors: {loaded}")
print(f"pretrained model on its own task (digits 0-4): {paper.accuracy(source, x_src, y_src):.1%} test accuracy")

# %% [markdown]
# ## TF-Slim's transfer learning command, in PyTorch
#
# The class showed TF-Slim's recipe for transfer learning with ResNet-50:
#
# ```
# python train_image_classifier.py --model_name resnet-50 --dataset_dir ./prepared-data \
#     --checkpoint_path checkpoint/resnet_v1_50.ckpt \
#     --checkpoint_exclude_scopes resnet_v1_50/logits --trainable_scopes resnet_v1_50/logits
# ```
#
# | TF-Slim flag | meaning | here |
# |---|---|---|
# | `--model_name resnet-50` | the architecture | `paper.CNN(classes=5)` |
# | `--dataset_dir` | data for the new task | digits 5 to 9 |
# | `--checkpoint_path` | weights from the source task | `data/mnist1d_cnn_digits0-4.pt` |
# | `--checkpoint_exclude_scopes .../logits` | layers *not* to load: the old classifier | `load_pretrained(model, path, exclude=["head"])` |
# | `--trainable_scopes .../logits` | layers to train; all others frozen | `freeze(model, trainable=["head"])` |
#
# Both helpers are a few lines (`mlcourse/transfer.py`); you write them in the exercises.

# %%
model = paper.CNN(classes=5)
print("loaded:", transfer.load_pretrained(model, BACKBONE, exclude=["head"]))
print("trainable parameters:", transfer.freeze(model, trainable=["head"]), "of", paper.parameters(model))

# %% [markdown]
# ## Transfer learn: a new task with few labels
#
# New task: tell digits **5 to 9** apart, a task the backbone never saw, with only
# a few labelled examples per class. Three ways: from scratch; transfer learning
# (pretrained backbone frozen, new head trained); and transfer with every layer
# trained at a lower learning rate. Repeat for growing amounts of labelled data:

# %%
TARGET = (5, 6, 7, 8, 9)
x_target_test, y_target_test = transfer.classes_subset(d["x_test"], d["y_test"], TARGET)


def train_pattern(pattern, x, y, seed):
    model = paper.seeded(lambda: paper.CNN(classes=len(TARGET)), seed)
    lr, trainable = 1e-2, None
    if pattern != "scratch":
        transfer.load_pretrained(model, BACKBONE, exclude=["head"])
    if pattern == "transfer (frozen backbone)":
        transfer.freeze(model, trainable=["head"])
        trainable = [p for p in model.parameters() if p.requires_grad]
    if pattern == "transfer, all layers trained":
        lr = 3e-3
    paper.train(model, x, y, STEPS, seed=seed, lr=lr, parameters_to_train=trainable)
    return paper.accuracy(model, x_target_test, y_target_test)


patterns = ("scratch", "transfer (frozen backbone)", "transfer, all layers trained")
sizes = (5, 10, 50, 200)
curve = pd.DataFrame(index=pd.Index(sizes, name="labelled examples per class"), columns=patterns, dtype=float)
for n in tqdm(sizes, desc="data sizes"):
    for pattern in patterns:
        curve.loc[n, pattern] = np.mean([train_pattern(pattern, *transfer.classes_subset(d["x"], d["y"], TARGET, n, seed), seed)
                                         for seed in (0, 1)])
ax = curve.plot(marker="o", logx=True, figsize=(6.5, 4))
ax.set_ylabel("test accuracy on digits 5-9 (mean of 2 seeds)")
ax.set_title("The data-requirement curve")
plt.tight_layout()
curve.round(3)

# %% [markdown]
# With a handful of labels per class, the pretrained features win clearly: the
# backbone already knows what bumps and slopes in a signal look like. With more
# data, scratch catches up, and the frozen backbone falls behind: its features
# were learned for other digits, and only the head can adapt. Training all
# layers from the pretrained start stays close to the best at every size.
#
# ## Fine tune: the same task, shifted data
#
# The same digits 0 to 4, but the sensor got noisier (more correlated noise in
# the generator). The pretrained model, head included, loses accuracy. Fine
# tuning keeps *all* its weights and trains every layer a little, at a low
# learning rate, on a modest amount of the new data:

# %%
shifted = data.load_mnist1d(corr_noise_scale=0.6)
x_shift, y_shift = transfer.classes_subset(shifted["x"], shifted["y"], transfer.SOURCE_CLASSES, 50, 0)
x_shift_test, y_shift_test = transfer.classes_subset(shifted["x_test"], shifted["y_test"], transfer.SOURCE_CLASSES)
tuned = paper.CNN(classes=5)
transfer.load_pretrained(tuned, BACKBONE)
as_is = paper.accuracy(tuned, x_shift_test, y_shift_test)
paper.train(tuned, x_shift, y_shift, STEPS, seed=0, lr=1e-3)
scratch = paper.seeded(lambda: paper.CNN(classes=5), 0)
paper.train(scratch, x_shift, y_shift, STEPS, seed=0)
pd.Series({"pretrained, as is": as_is, "fine tuned (all layers, lr 1e-3)": paper.accuracy(tuned, x_shift_test, y_shift_test),
           "from scratch on the same data": paper.accuracy(scratch, x_shift_test, y_shift_test)},
          name="accuracy on noisier digits 0-4").round(3).to_frame()

# %% [markdown]
# ## Retrain: the same task, a different set of classes
#
# The product now needs to recognise digit 5 as well: six classes instead of
# five. The head's shape changes, so it cannot be loaded (try it: the error
# names the tensor). Load everything else, give the model a new six-way head,
# and train all layers:

# %%
six = paper.CNN(classes=6)
try:
    transfer.load_pretrained(six, BACKBONE)
except ValueError as error:
    print(error)
CLASSES = (0, 1, 2, 3, 4, 5)
x_six, y_six = transfer.classes_subset(d["x"], d["y"], CLASSES, 20, 0)
x_six_test, y_six_test = transfer.classes_subset(d["x_test"], d["y_test"], CLASSES)
results = {}
for name, start in (("retrained from the pretrained backbone", True), ("from scratch", False)):
    model = paper.seeded(lambda: paper.CNN(classes=6), 0)
    if start:
        transfer.load_pretrained(model, BACKBONE, exclude=["head"])
    paper.train(model, x_six, y_six, STEPS, seed=0, lr=3e-3 if start else 1e-2)
    results[name] = paper.accuracy(model, x_six_test, y_six_test)
pd.Series(results, name="accuracy on digits 0-5, 20 labels per class").round(3).to_frame()

# %% [markdown]
# ## Keypoints
#
# - Train from scratch only with lots of data and compute; otherwise start from pretrained weights.
# - Transfer learn across tasks: load all but the head (`exclude`), freeze all but the head (`trainable`).
# - Fine tune for the same task on new or shifted data: keep every weight, train all layers gently.
# - Retrain when the classes change: new head, pretrained body, all layers trained.
# - Pretrained features win most when labelled data is scarce; the advantage shrinks as data grows.
# - Load checkpoints safely (`weights_only=True`) and let shape mismatches fail loudly.
