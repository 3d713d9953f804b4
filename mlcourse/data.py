"""Load the course's data: bundled in ``data/``, verified, never downloaded.

``data/README.md`` is the single record of what each file is, where it came
from, its license and its SHA-256. Every loader here checks the hash first, so
a truncated copy or a silently edited file is caught with a message that says
how to fix it, instead of surfacing later as a strange score.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mlcourse.course import ROOT
from mlcourse.errors import CourseError

DATA_DIR = ROOT / "data"
_ROW = re.compile(r"^\|\s*`(?P<file>[^`]+)`\s*\|(?P<cells>.*)\|\s*$")


@dataclass(frozen=True)
class DataFile:
    """One row of the ``data/README.md`` table."""

    name: str
    what: str
    source: str
    license: str
    sha256: str


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large files are fine."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest(data_dir: Path = DATA_DIR) -> dict[str, DataFile]:
    """The files listed in ``data_dir/README.md``, by name."""
    readme = data_dir / "README.md"
    if not readme.exists():
        raise CourseError(f"{readme} is missing: it records what each data file is and its SHA-256")
    rows = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        if match := _ROW.match(line):
            what, source, license_, digest, _how = (cell.strip() for cell in match["cells"].split("|"))
            rows[match["file"]] = DataFile(match["file"], what, source, license_, digest.strip("`"))
    return rows


def problems(data_dir: Path = DATA_DIR) -> list[str]:
    """Every listed file that is missing or whose content does not match its hash."""
    found = []
    for name, entry in manifest(data_dir).items():
        path = data_dir / name
        if not path.exists():
            found.append(f"{name} is missing")
        elif sha256(path) != entry.sha256:
            found.append(f"{name} does not match its SHA-256 in data/README.md (changed or damaged)")
    return found


def path(name: str, data_dir: Path = DATA_DIR) -> Path:
    """Path of a bundled file after checking it is listed, present and intact."""
    entry = manifest(data_dir).get(name)
    if entry is None:
        raise CourseError(f"{name} is not listed in {data_dir / 'README.md'}; the course only reads files recorded there")
    file = data_dir / name
    if not file.exists():
        raise CourseError(f"{file} is missing. Restore it with `git checkout -- data/{name}`")
    if sha256(file) != entry.sha256:
        raise CourseError(f"{file} does not match its SHA-256 in data/README.md. Restore it with `git checkout -- data/{name}`")
    return file


def load_penguins(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The Palmer penguins table (344 rows, real missing values as NaN).

    Examples
    --------
    >>> penguins = load_penguins()
    >>> penguins.shape
    (344, 8)
    """
    return pd.read_csv(path("penguins.csv", data_dir))


CUSTOMER_SEED = 2024
API_SEED = 2025
API_VERSIONS = ("1", "2")
_API_FILE = "penguin_survey_api_v{version}.json"


def customer_rows(penguins: pd.DataFrame, seed: int = CUSTOMER_SEED) -> pd.DataFrame:
    """The 40 complete penguins the customer batch is made from, species included, in batch order.

    They are the truth for lesson 05's customer demo. The lesson trains its
    model without them, so the demo scores penguins the model never saw.
    """
    return penguins.dropna().sample(40, random_state=seed)


def api_rows(penguins: pd.DataFrame, seed: int = API_SEED) -> pd.DataFrame:
    """The 10 complete penguins the (simulated) field-station API serves; none is a customer row."""
    rest = penguins.dropna().drop(customer_rows(penguins).index)
    return rest.sample(10, random_state=seed)


def held_out(penguins: pd.DataFrame) -> pd.Index:
    """Row labels of every penguin lesson 05 keeps out of training: the customer's and the API's."""
    return customer_rows(penguins).index.union(api_rows(penguins).index)


def make_customer_batch(penguins: pd.DataFrame, seed: int = CUSTOMER_SEED) -> pd.DataFrame:
    """A messy "new CSV from a customer", made from penguins rows with planted problems.

    The problems are the ones real incoming files have: a renamed column
    (``culmen_length_mm``), a missing one (``sex``), numbers as text with a unit
    (``flipper_length_mm`` like ``"181 mm"``), a unit change (``body_mass_g`` in
    kilograms), an island the model never saw (``Anvers``), a burst of missing
    ``bill_depth_mm`` values, and two negative (impossible) depths.
    """
    rng = np.random.default_rng(seed)
    batch = customer_rows(penguins, seed).drop(columns=["species", "year"]).reset_index(drop=True)
    batch = batch.rename(columns={"bill_length_mm": "culmen_length_mm"}).drop(columns=["sex"])
    batch["flipper_length_mm"] = [f"{value:.0f} mm" for value in batch["flipper_length_mm"]]
    batch["body_mass_g"] = (batch["body_mass_g"] / 1000).round(3)
    batch.loc[rng.choice(len(batch), 3, replace=False), "island"] = "Anvers"
    batch.loc[20:31, "bill_depth_mm"] = np.nan
    batch.loc[[2, 5], "bill_depth_mm"] = -batch.loc[[2, 5], "bill_depth_mm"]
    return batch


def customer_batch_csv(data_dir: Path = DATA_DIR) -> str:
    """The exact text of ``data/customer_batch.csv``, regenerated from the penguins."""
    return make_customer_batch(load_penguins(data_dir)).to_csv(index=False, lineterminator="\n")


def make_api_response(penguins: pd.DataFrame, version: str) -> dict:
    """What a field station's penguin API returns, in its version 1 or its version 2.

    Version 2 changed the records without changing their meaning, as APIs do:
    ``body_mass_g`` became ``body_mass_kg`` (a renamed field and a unit change)
    and ``sex`` is coded ``"M"``/``"F"`` instead of ``"male"``/``"female"``
    (new category values). Both versions serve the same penguins.
    """
    if version not in API_VERSIONS:
        raise ValueError(f"version must be one of {API_VERSIONS}, got {version!r}")
    records = []
    for label, row in api_rows(penguins).iterrows():
        record = {"id": f"penguin-{label:03d}", "species": row.species, "island": row.island,
                  "bill_length_mm": float(row.bill_length_mm), "bill_depth_mm": float(row.bill_depth_mm),
                  "flipper_length_mm": int(row.flipper_length_mm)}
        if version == "1":
            record |= {"body_mass_g": int(row.body_mass_g), "sex": row.sex}
        else:
            record |= {"body_mass_kg": round(row.body_mass_g / 1000, 3), "sex": {"male": "M", "female": "F"}[row.sex]}
        records.append(record)
    return {"api": "penguin-survey", "version": version, "count": len(records), "records": records}


def api_response_json(version: str, data_dir: Path = DATA_DIR) -> str:
    """The exact text of the bundled API response ``version``, regenerated from the penguins."""
    return json.dumps(make_api_response(load_penguins(data_dir), version), indent=2) + "\n"


def load_api_response(version: str, data_dir: Path = DATA_DIR) -> dict:
    """The bundled API response ``version`` ("1" or "2"), parsed from JSON exactly as the API sent it.

    Lesson 05 reads these files instead of calling a server: the course never
    touches the network.
    """
    if version not in API_VERSIONS:
        raise ValueError(f"version must be one of {API_VERSIONS}, got {version!r}")
    return json.loads(path(_API_FILE.format(version=version), data_dir).read_text(encoding="utf-8"))


FIELD_NOTES_SEED = 2026
FIELD_NOTES_FILE = "penguin_field_notes.csv"
_OBSERVERS = ("ana.lopez", "ben.okafor", "chen.wei", "dara.murphy", "eli.haddad", "femi.adeyemi",
              "greta.lind", "hiro.sato")


def make_field_notes(penguins: pd.DataFrame, seed: int = FIELD_NOTES_SEED) -> pd.DataFrame:
    """Lesson 12's training table: every penguin with the e-mail of the (invented) person who measured it.

    The e-mail is personal data, there to be found and pseudonymized before it
    reaches a run. The addresses use the reserved ``.example`` domain, so they
    belong to nobody. About one in ten is typed differently (capitals, a
    trailing space), as hand-entered data is: the same person must still get
    the same pseudonym.
    """
    rng = np.random.default_rng(seed)
    emails = [f"{name}@palmer-station.example" for name in _OBSERVERS]
    observer = [emails[i] for i in rng.integers(len(emails), size=len(penguins))]
    retyped = rng.random(len(penguins)) < 0.1
    observer = [(email.title() + " " if again else email) for email, again in zip(observer, retyped, strict=True)]
    whole = {column: penguins[column].astype("Int64") for column in ("flipper_length_mm", "body_mass_g", "year")}
    return penguins.assign(**whole, observer_email=observer)


def field_notes_csv(data_dir: Path = DATA_DIR) -> str:
    """The exact text of ``data/penguin_field_notes.csv``, regenerated from the penguins."""
    return make_field_notes(load_penguins(data_dir)).to_csv(index=False, lineterminator="\n")


def write_generated(data_dir: Path = DATA_DIR) -> list[Path]:
    """(Re)write every generated data file; ``mlcourse data`` runs this."""
    from mlcourse import transfer  # imports torch: only when regenerating

    customer = data_dir / "customer_batch.csv"
    customer.write_text(customer_batch_csv(data_dir), encoding="utf-8")
    responses = []
    for version in API_VERSIONS:
        responses.append(data_dir / _API_FILE.format(version=version))
        responses[-1].write_text(api_response_json(version, data_dir), encoding="utf-8")
    notes = data_dir / FIELD_NOTES_FILE
    notes.write_text(field_notes_csv(data_dir), encoding="utf-8")
    return [customer, *responses, notes, transfer.write_backbone(load_mnist1d(), data_dir / transfer.BACKBONE_FILE)]


def load_customer_batch(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The messy customer file of lesson 05, read exactly as a customer sent it."""
    return pd.read_csv(path("customer_batch.csv", data_dir))


CACHE_DIR = ROOT / ".cache"
MNIST1D_SHA256 = "af55b894de711b65"  # of the default data set's signals: the "data version" lesson 09 checks


def mnist1d_args(**overrides):
    """The MNIST-1D generator's arguments (Greydanus 2020), with any of them overridden.

    The defaults give the paper's data set: 4000 training and 1000 test signals
    of length 40, seed 42. Lessons make shifted variants by overriding, e.g.
    ``iid_noise_scale`` or ``scale_coeff``.
    """
    from mnist1d.data import get_dataset_args

    args = get_dataset_args(as_dict=True) | overrides
    args.pop("url", None)  # the generator runs locally; nothing is downloaded
    return args


def _digest(arrays: dict[str, np.ndarray]) -> str:
    return hashlib.sha256(b"".join(np.ascontiguousarray(arrays[k]).tobytes() for k in sorted(arrays))).hexdigest()[:16]


def load_mnist1d(cache_dir: Path = CACHE_DIR, **overrides) -> dict[str, np.ndarray]:
    """MNIST-1D generated locally by the ``mnist1d`` package (never downloaded), cached as .npz.

    Returns ``x``, ``y`` (training) and ``x_test``, ``y_test``. The cache file is
    named by the generator's arguments and holds the SHA-256 of the arrays, so a
    damaged cache is regenerated rather than trusted.

    Examples
    --------
    >>> d = load_mnist1d()
    >>> d["x"].shape, d["x_test"].shape
    ((4000, 40), (1000, 40))
    """
    from mnist1d.data import make_dataset
    from mnist1d.utils import ObjectView

    args = mnist1d_args(**overrides)
    key = hashlib.sha256(repr(sorted(args.items())).encode()).hexdigest()[:12]
    cache = cache_dir / f"mnist1d-{key}.npz"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in ("x", "y", "x_test", "y_test")}
            if _digest(arrays) == str(stored["digest"]):
                return arrays
    state = np.random.get_state()  # the generator reseeds numpy's global state; put it back afterwards
    try:
        generated = make_dataset(ObjectView(args))
    finally:
        np.random.set_state(state)
    arrays = {k: generated[k] for k in ("x", "y", "x_test", "y_test")}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, digest=_digest(arrays), **arrays)
    except OSError:  # a read-only course (as the grader's sandbox makes it): generate again next time
        pass
    return arrays


def mnist1d_digest(arrays: dict[str, np.ndarray]) -> str:
    """Short SHA-256 of the signals and labels: compare with :data:`MNIST1D_SHA256`."""
    return _digest(arrays)
