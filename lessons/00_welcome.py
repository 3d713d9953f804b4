# %% [markdown]
# # 00 · Welcome: how this workbook works
#
# **Questions**
# - How is a day of this course organised, and what will I be able to do at the end?
# - How do I run a lesson, do an exercise, and know at once whether I got it right?
# - Which tools do machine learning engineers use, and when does each fit?
#
# **Objectives**
# - Run a notebook cell by cell and read a check's verdict.
# - Grade your own exercises with `pytest --nbval-lax` or `mlcourse grade`.
# - Check that your machine is ready with `mlcourse doctor`.
# - Name the sweet spot of the main languages, libraries and workflow tools.
#
# **Minutes**: 10 (5 teaching, 5 exercises) + 10 self-paced (the tools of the trade) · **Prerequisites**: Python and a terminal; no machine learning needed.

# %% [markdown]
# ## What machine learning engineering is
#
# Machine learning engineering applies machine learning science to production
# systems. It asks for two kinds of skill, rarely found in one person: the
# scientist's (data, models, experiments) and the engineer's (code, tests,
# deployment, operations). This course teaches both halves the same way: by
# running real code on your laptop. The work falls into three areas:

# %%
from datetime import datetime, timedelta

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import to_rgba

from mlcourse.course import BREAKS, DAY_START, LESSONS

pd.DataFrame(
    {
        "what it covers": [
            "facilities and tools for research and engineering; continuous integration and delivery",
            "data analysis, data preparation, model selection, training a model",
            "model inference, model optimisation, deployment, monitoring",
        ],
        "lessons": ["00, 12, 14, 15", "01 to 11", "13, 14"],
    },
    index=pd.Index(["infrastructure", "research", "production"], name="area"),
)

# %% [markdown]
# ## The day
#
# The lessons each serve one of the seven goals of the class: validate the
# problem definition; select preliminary models; recreate published results;
# build training and validation sets; automate experiment tracking; adapt and tune
# models; deploy and support them in production. The live day teaches the
# lessons and parts that reach those goals; the rest is *self-paced*, for
# before or after the day: a few whole lessons, and the sections marked
# *Self-paced* inside live lessons. The minutes are teaching time; every
# notebook itself *runs* in under a minute.

# %%
agenda = pd.DataFrame(
    [(lesson.stem, lesson.goal, lesson.live, lesson.minutes if lesson.live else 0,
      lesson.extra if lesson.live else lesson.minutes, lesson.available()) for lesson in LESSONS],
    columns=["lesson", "goal", "live", "live minutes", "self-paced minutes", "ready"],
)
live, alone = agenda["live minutes"].sum(), agenda["self-paced minutes"].sum()
breaks = sum(minutes for _, minutes in BREAKS.values())
end = datetime.strptime(DAY_START, "%H:%M") + timedelta(minutes=int(live + breaks))
print(f"The live day: {live} minutes of teaching ({live / 60:.1f} hours) and {breaks} of breaks, "
      f"{DAY_START} to {end:%H:%M}.")
print(f"Self-paced: {alone} minutes, the whole of {', '.join(agenda.lesson[~agenda.live])} "
      "and the parts of live lessons marked Self-paced.")
print(f"{agenda.ready.sum()} of {len(agenda)} lessons are ready in this copy of the course.")

# %% mystnb={"image": {"alt": "Horizontal bars of teaching minutes per lesson, solid for the live part and hatched for the self-paced part: most lessons have both, a few are self-paced only."}}
shade = [to_rgba("C0", 1.0 if ready else 0.35) for ready in agenda.ready]
fig, ax = plt.subplots(figsize=(7, 4.8))
ax.barh(agenda.lesson, agenda["live minutes"], color=shade, label="live, in the day")
ax.barh(agenda.lesson, agenda["self-paced minutes"], left=agenda["live minutes"], color="white",
        edgecolor=shade, hatch="///", label="self-paced")
ax.invert_yaxis()
ax.set_xlabel("teaching time, lesson + exercises (minutes)")
ax.set_ylabel("lesson")
ax.set_title("Minutes per lesson, live and self-paced" + ("" if agenda.ready.all() else " (pale: not written yet)"))
ax.set_xlim(0, 1.4 * (agenda["live minutes"] + agenda["self-paced minutes"]).max())  # room for the legend
ax.legend(loc="upper right")
plt.tight_layout()

# %% [markdown]
# ## How a lesson works
#
# Every lesson comes as three notebooks with the same name:
#
# | folder | what it is | what you do with it |
# |---|---|---|
# | `lessons/` | the story and live demos | read and run, top to bottom |
# | `exercises/` | the same topics as small functions for you to write | replace each `raise NotImplementedError(...)` with your code |
# | `solutions/` | the exercises, solved | look when stuck, compare when done |
#
# After every exercise comes a **check cell**, `check.<function>(<function>)`. It
# calls your function on several prepared inputs, edge cases included, and
# compares with a reference answer. Here is what a check says to a wrong answer:
# this `accuracy` counts the matching labels but forgets to divide by how many
# there are.

# %%
from mlcourse import check


def accuracy(y_true, y_pred):
    return sum(truth == guess for truth, guess in zip(y_true, y_pred, strict=True))


try:
    check.accuracy(accuracy)
except AssertionError as verdict:
    print("✗", verdict)

# %% [markdown]
# In your exercise notebook that message appears as an `AssertionError` under
# the check cell. It says what went in, what was expected, what came back, and
# gives a hint. **Exercise 0.1: fix it.** Write `accuracy` in your exercise
# notebook, run its cell and then the check cell under it, until the check
# answers ✓.
#
# A check accepts most correct answers (a loop, numpy, pandas: your choice), not
# just the one in the solutions, and rejects the typical mistakes it was tested
# against. It is a set of tests, not a proof: now and then a right answer written
# in an unusual way is refused, or a wrong one slips through. Tell your
# instructor when that happens.
#
# ## Grading your work
#
# Each check cell is also a test. From a terminal in the course folder:
#
# ```
# pytest --nbval-lax exercises/00_welcome.ipynb    # one test per cell; failing checks fail
# mlcourse grade exercises/                        # a table: exercise, pass/fail, message, score
# ```
#
# Save the notebook first: both read the file on disk. Instructors can point
# `mlcourse grade` at a folder of learners' notebooks and add `--csv` or `--json`.
#
# ## Is my machine ready?
#
# `mlcourse doctor` checks everything the course needs: Python, package versions,
# a CPU build of PyTorch, the Jupyter kernel, the data files (by SHA-256), the
# notebooks, and free disk. Each failure comes with the command that fixes it.
# Nothing in the course downloads anything once it is installed: it works offline.

# %%
from mlcourse.workbook import doctor

verdicts = doctor.run()
pd.DataFrame([(v.name, "✓" if v.ok else "✗", v.detail, v.fix) for v in verdicts],
             columns=["check", "ok", "detail", "fix"])

# %% [markdown]
# ## *Self-paced* · Tools of the trade
#
# No tool is best for everything. These tables are the class's slides of
# February 2019. Where something has changed since, a column "since 2019" says
# what (empty: nothing to add); the last column says where you will meet the tool
# in this course (release dates are PyPI's). Tools move fast: check a project's own site
# before you choose it.
#
# **Programming languages** (the 2019 list still holds)
#
# | language | when to use | in this course |
# |---|---|---|
# | Python | general ML, data processing, systems integration | every lesson |
# | R | statistics, general data science | (not used) |
# | C/C++ | system software, high-performance computing | under numpy and PyTorch |
# | JavaScript | web-based applications | (not used) |
# | Java/Scala | enterprise integration | Spark, lesson 15 |
# | bash | systems integration | make and the terminal |
#
# **Computational libraries and frameworks**
#
# | library | sweet spot (2019) | when to look elsewhere (2019) | since 2019 | in this course |
# |---|---|---|---|---|
# | TensorFlow | deep learning, production systems including mobile | new to ML, no production requirements | TensorFlow 2 (late 2019) made eager execution the default and Keras its main API; TensorFlow Lite is now called LiteRT. Much new research code is written in PyTorch or JAX instead. | (pointers only) |
# | PyTorch | ease of use, popular with researchers | production needs beyond simple serving | That gap has largely closed: `torch.export` captures a model's whole graph for deployment, and ExecuTorch runs such graphs on phones and embedded devices. TorchServe, its model server, has been in limited maintenance (no planned updates or fixes) since early 2025; lesson 13 (planned) serves a model with FastAPI and uvicorn instead. | lessons 04, 07 to 11, 13, 15 |
# | Keras | ease of use, production backend with TensorFlow | your colleagues use another library | Keras 3 (2023) trains on JAX, TensorFlow or PyTorch: no longer tied to TensorFlow. Since 3.8 (January 2025) it can also run a trained model on OpenVINO, a backend for inference only. | (pointers only) |
# | scikit-learn | general-purpose ML | deep learning, GPU needed | Still the default for classic ML on tables, and still mostly CPU code. Since 1.2 an experimental Array API mode lets some estimators take PyTorch or CuPy arrays, and so run on a GPU. | lessons 01 to 08 |
# | MXNet | performance, scalability, stability | you need a larger community | Retired: Apache moved it to the Attic, its shelf for ended projects, in 2023. Start nothing new on it. | (not used) |
# | Caffe 2 | computer vision heritage | you need a larger community or features | Merged into PyTorch in 2018, before the slide was made; then deprecated, no longer built by default from PyTorch 1.11 (2022), and removed from PyTorch's code in 2024. | (not used) |
# | JAX | | | Not on the slide: NumPy-style arrays with automatic gradients and compilation, much used in research; one of Keras 3's three training backends. | (not used) |
#
# **Prepackaged models (start from someone else's training)**
#
# | name | application | language and libraries (2019) | since 2019 |
# |---|---|---|---|
# | spaCy | natural language processing | Python, TensorFlow, PyTorch | Still active; its transformer pipelines run on PyTorch. |
# | TF-Slim | image classification | TensorFlow | Written for TensorFlow 1; new projects take weights from the sources in the last row. Lesson 11 still borrows its two flags, which name the idea well. |
# | TensorFlow object detection | object detection | TensorFlow | |
# | TensorFlow Hub, TensorFlow models | various | TensorFlow | TensorFlow Hub's models now live on Kaggle Models. |
# | Caffe Model Zoo | various | Caffe | Caffe is no longer actively developed. |
# | Keras applications | various | Keras | Part of Keras 3, so usable from JAX and PyTorch too. |
# | Hugging Face Hub; torchvision and timm weights | various | mostly PyTorch | Not on the slide: where many pretrained weights are found today. |
#
# Lesson 11 shows the idea behind all of them, *transfer learning*, with a small
# network pretrained by a script in this repository, since the course never
# downloads weights.
#
# **Scripting tools**
#
# | tool | when to use | since 2019 | in this course |
# |---|---|---|---|
# | Python + argparse | reusable scripts with well-defined interfaces | | lesson 12 |
# | Guild AI | capture script output as ML experiments | No release since 0.9.0 (February 2023). | (pointers only) |
# | Paver | a make-like tool written in Python | No release since 1.3.4 (December 2017). | (not used: the course uses make) |
# | make, cmake, ninja | general build automation | | `make lab`, `make test` |
#
# **Workflow automation**
#
# | tool | when to use | since 2019 | in this course |
# |---|---|---|---|
# | MLflow | enterprise-wide ML workflow | also a model registry now | lesson 12 |
# | Guild AI | ad hoc workflows, integration with other automation systems | No release since February 2023 (see above). | (pointers only) |
# | Polyaxon | job scheduling for ML on Kubernetes | | (not used) |
# | Airflow | general workflow automation | | lesson 15 |
# | plain scripts | ad hoc automation | | everywhere |
#
# Polyaxon schedules ML jobs *on* Kubernetes; Kubernetes itself (container
# orchestration, a general platform for applications) and Jenkins (continuous
# integration) come from a later slide of the class, on workflow management and
# job scheduling. Lesson 15 points to Kubernetes; lesson 14 builds the kind of
# promotion gate a continuous-integration server runs.

# %% [markdown]
# ## Keypoints
#
# - Each lesson is three notebooks: `lessons/` to follow, `exercises/` to do, `solutions/` to compare.
# - A check cell answers at once: ✓, or a message with what was expected and a hint.
# - `pytest --nbval-lax exercises/NN_*.ipynb` and `mlcourse grade` turn check cells into pass/fail.
# - `mlcourse doctor` says whether the machine is ready and how to fix what is not.
# - Pick a tool for its sweet spot, and check its current state first: the class's 2019 tables have aged (MXNet is retired; Caffe2 was merged into PyTorch in 2018, then deprecated and removed in 2024; Keras 3 trains on three backends; TorchServe is in limited maintenance; Guild AI and Paver have had no release in years).
# - Python, scikit-learn and PyTorch carry this course.
