"""``numnet train``: load MNIST, train a network, report its test accuracy, save it.

``--arch`` picks a preset of ``numnet.presets``; the classic network trains its own way.
The flags common to all (``--data``, ``--out``, ``--seed``, ``--threads``) are declared
once; each way's own flags are declared in their own group of ``add_parser``.  A new
network is a new entry of ``numnet.presets.PRESETS``: it gets every preset flag,
checkpoints included, for free.

``--arch twolayer`` is the classic tutorial: ``numnet.tutorial.twolayer.gradient_descent`` on all
60,000 training images at once, printing the training accuracy every ``--print-every``
iterations, then the accuracy on the 10,000 test images, and the parameters saved as the
tutorial's pickle.

``--arch mlp`` (the default) and ``--arch cnn`` are presets of ``numnet.presets``, trained by
``Sequential.fit`` in minibatches: the model goes to ``--out`` (``.npz``), its history beside
it (``.history.json``) with a picture of the training curves (``.curves.png``).  With
``--checkpoint-dir`` the run is checkpointed (``numnet.files.checkpoint``) and ``--resume``
continues it bit for bit; Ctrl-C always leaves a checkpoint to resume from.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from numnet.app.cli import HelpFormatter
from numnet.app.cli.common import Data, check_output_file, load_mnist
from numnet.app.cli.numbers import (
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from numnet.core.errors import DivergenceError, NumnetError
from numnet.nn.engine.threads import blas_threads
from numnet.nn.engine.workers import resolve_threads
from numnet.nn.losses import SoftmaxCrossEntropy
from numnet.nn.optim import OPTIMIZERS
from numnet.presets import FINISH_RATE, PRESETS


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a network on MNIST and save it",
        description=(
            "Train a network on the 60,000 MNIST training images, report its accuracy on "
            "the 10,000 test images, and save it. '--arch twolayer' is the classic tutorial: "
            "784 -> hidden (ReLU) -> 10 (softmax), full-batch gradient descent."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--arch", choices=sorted(PRESETS), default="mlp", help="network to train")
    p.add_argument("--data", metavar="DIR", help="MNIST folder or mnist.npz (default: search)")
    p.add_argument("--out", metavar="FILE", help="where to save (default: ARCH.npz, twolayer.pkl)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed of the whole run")
    p.add_argument(
        "--threads",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="worker threads that share each batch (numnet.nn.parallel); 0, the default: "
        "every core this process may use; 1: one core. A run is reproducible for a given "
        "seed and N",
    )
    nn = p.add_argument_group(
        "training (unset values come from the --arch preset, numnet.presets)",
        "; ".join(
            f"{k}: {v.summary}, {v.epochs} epochs, batch {v.batch_size}, {v.optimizer} lr {v.lr:g}"
            for k, v in PRESETS.items()
        ),
    )
    nn.add_argument(
        "--epochs",
        type=positive_int,
        help=f"passes over the training images ({per_arch('epochs')})",
    )
    nn.add_argument(
        "--batch-size",
        type=positive_int,
        metavar="N",
        help=f"images per step ({per_arch('batch_size')})",
    )
    nn.add_argument(
        "--lr", type=positive_float, help=f"learning rate, the schedule's peak ({per_arch('lr')})"
    )
    nn.add_argument(
        "--optimizer", choices=sorted(OPTIMIZERS), help=f"update rule ({per_arch('optimizer')})"
    )
    nn.add_argument(
        "--validation-split",
        type=fraction,
        default=0.1,
        metavar="F",
        help="share of the training images held out to draw validation curves",
    )
    nn.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        help="random shifts, rotations and elastic distortions of the training images "
        f"({per_arch('augment')})",
    )
    nn.add_argument(
        "--elastic",
        type=non_negative_float,
        metavar="ALPHA",
        help="with --augment: elastic distortion of strength ALPHA (Simard et al.: 34)",
    )
    nn.add_argument(
        "--thickness",
        type=non_negative_float,
        metavar="K",
        help="with --augment: thicken or thin strokes by up to K of a 3x3 dilation (K <= 1)",
    )
    nn.add_argument(
        "--low-resolution",
        type=non_negative_float,
        metavar="P",
        help="with --augment: a share P (<= 1) of the training images seen at 1/4 to 1/2 of "
        "their resolution and upscaled back (thumbnails, digits photographed from afar)",
    )
    nn.add_argument(
        "--finish-epochs",
        type=non_negative_int,
        metavar="F",
        help="train the last F of the epochs without augmentation, the rate restarted at "
        f"{FINISH_RATE:g} of --lr and decayed again ({per_arch('finish_epochs')}; a "
        "preset's F is dropped when --epochs is not larger)",
    )
    # For tests and quick trials: the first N training and N test images only.
    nn.add_argument("--limit", type=positive_int, help=argparse.SUPPRESS)
    ck = p.add_argument_group("checkpoints (mlp and cnn)")
    ck.add_argument("--checkpoint-dir", metavar="DIR", help="checkpoint after every epoch into DIR")
    ck.add_argument(
        "--checkpoint-every",
        type=positive_int,
        default=0,
        metavar="N",
        help="also checkpoint every N optimizer steps",
    )
    ck.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in --checkpoint-dir, with its settings",
    )
    tl = p.add_argument_group(
        "twolayer (the classic tutorial: --epochs are its full-batch iterations, --lr its alpha)"
    )
    tl.add_argument("--hidden", type=positive_int, default=10, help="hidden units")
    tl.add_argument("--alpha", type=positive_float, help="the tutorial's name for --lr")
    tl.add_argument("--iterations", type=positive_int, help="the tutorial's name for --epochs")
    tl.add_argument(
        "--print-every", type=positive_int, default=10, metavar="N", help="report every N steps"
    )
    p.set_defaults(run=run)


def per_arch(field: str) -> str:
    """The default of a preset flag for each --arch: 'default: mlp 10, cnn 15'."""

    def say(value: object) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        return f"{value:g}" if isinstance(value, float) else str(value)

    return "default: " + ", ".join(f"{k} {say(getattr(v, field))}" for k, v in PRESETS.items())


def train_twolayer(args: argparse.Namespace, data: Data) -> int:
    """The tutorial: preprocess, gradient_descent, test accuracy, save_params."""
    from tqdm import tqdm

    from numnet.datasets.mnist import preprocess
    from numnet.tutorial import twolayer

    preset = PRESETS["twolayer"]
    args.iterations = args.iterations or args.epochs or preset.epochs
    args.alpha = args.alpha or args.lr or preset.lr
    (x_train, y_train), (x_test, y_test) = data
    # The tutorial's columns: (784, m) is a transposed view of the (m, 784) rows, no copy.
    X_train, X_test = preprocess(x_train).T, preprocess(x_test).T
    out = args.out or "twolayer.pkl"
    print(
        f"training the two-layer network 784 -> {args.hidden} -> 10 on {X_train.shape[1]} "
        f"images: alpha {args.alpha}, {args.iterations} iterations, seed {args.seed}"
    )
    # The bar lives on stderr (only on a terminal); the tutorial's lines go to stdout.
    with tqdm(total=args.iterations, unit="it", disable=None, leave=False) as bar:

        def report(i: int, accuracy: float, loss: float) -> None:
            bar.update(i - bar.n)
            bar.set_postfix(accuracy=f"{accuracy:.4f}")
            tqdm.write(f"iteration {i:>5}  training accuracy {accuracy:.4f}  loss {loss:.4f}")

        start = time.perf_counter()
        with blas_threads(resolve_threads(args.threads)):  # full-batch products: BLAS threads
            params = twolayer.gradient_descent(
                X_train,
                y_train,
                args.alpha,
                args.iterations,
                hidden=args.hidden,
                seed=args.seed,
                print_every=args.print_every,
                verbose=False,
                callback=report,
            )
        seconds = time.perf_counter() - start
    predictions = twolayer.make_predictions(X_test, *params)
    right = int((predictions == y_test).sum())
    print(f"trained in {seconds:.1f} s")
    print(f"test accuracy {right / len(y_test):.4f} ({right}/{len(y_test)} images)")
    print(f"saved {twolayer.save_params(out, *params)}")
    return 0


@dataclass(frozen=True)
class RunSettings:
    """What a checkpoint records of the command line: everything that shapes the trajectory
    (never an output path: where a resumed run writes is for the command line to say).

    One field per setting: ``from_args`` fills the flags not given from the preset;
    ``from_record`` reads them back from a checkpoint and refuses anything ``from_args``
    could not have produced.
    """

    arch: str
    epochs: int
    batch_size: int
    lr: float
    optimizer: str
    seed: int
    validation_split: float
    augment: bool
    elastic: float | None
    thickness: float | None
    low_resolution: float | None
    finish_epochs: int
    limit: int | None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RunSettings:
        preset = PRESETS[args.arch]
        epochs = args.epochs or preset.epochs
        finish = preset.finish_epochs if args.finish_epochs is None else args.finish_epochs
        if finish >= epochs:
            if args.finish_epochs is not None:
                raise NumnetError(
                    f"--finish-epochs {finish} must be fewer than the {epochs} epochs of the run"
                )
            finish = 0
        return cls(
            arch=args.arch,
            epochs=epochs,
            batch_size=args.batch_size or preset.batch_size,
            lr=args.lr or preset.lr,
            optimizer=args.optimizer or preset.optimizer,
            seed=args.seed,
            validation_split=args.validation_split,
            augment=preset.augment if args.augment is None else args.augment,
            elastic=args.elastic,
            thickness=args.thickness,
            low_resolution=args.low_resolution,
            finish_epochs=finish,
            limit=args.limit,
        )

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> RunSettings | None:
        """The settings of a checkpoint's record, or None if they are not sound."""

        def count(v: Any, low: int = 1) -> bool:
            return isinstance(v, int) and not isinstance(v, bool) and v >= low

        def number(v: Any) -> bool:
            return isinstance(v, float) and math.isfinite(v)

        # checkpoints from before --thickness, --low-resolution and --finish-epochs
        s = {"thickness": None, "low_resolution": None, "finish_epochs": 0, **record}
        sound = (
            set(s) == {f.name for f in fields(cls)}
            and s["arch"] in PRESETS
            and PRESETS[s["arch"]].build is not None
            and s["optimizer"] in OPTIMIZERS
            and count(s["epochs"])
            and count(s["finish_epochs"], 0)
            and s["finish_epochs"] < s["epochs"]
            and count(s["batch_size"])
            and count(s["seed"], 0)
            and number(s["lr"])
            and s["lr"] > 0
            and number(s["validation_split"])
            and 0 <= s["validation_split"] < 1
            and isinstance(s["augment"], bool)
            and (s["elastic"] is None or number(s["elastic"]) and s["elastic"] >= 0)
            and (s["thickness"] is None or number(s["thickness"]) and s["thickness"] >= 0)
            and (
                s["low_resolution"] is None
                or number(s["low_resolution"])
                and 0 <= s["low_resolution"] <= 1
            )
            and (s["limit"] is None or count(s["limit"]))
        )
        return cls(**s) if sound else None

    def command(self) -> str:
        """The ``numnet train`` command that trains with these settings, every setting
        spelled out (``--out`` is not a setting: it does not change the model)."""
        words = ["numnet", "train"]
        for key, value in asdict(self).items():
            flag = "--" + key.replace("_", "-")
            if value is None:
                continue
            if isinstance(value, bool):
                words.append(flag if value else "--no-" + flag[2:])
            else:
                words += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
        return shlex.join(words)


def calibrate(
    model: Any, x_val: np.ndarray, y_val: np.ndarray, z_test: np.ndarray, y_test: np.ndarray
) -> dict[str, Any] | None:
    """Fit the model's temperature on the validation images (``numnet.nn.calibration``)
    and print the expected calibration error of the test outputs ``z_test`` (``logits``)
    before and after; None (and the model left as it is) without a validation split."""
    if len(x_val) == 0:
        print("not calibrated: no validation images (--validation-split 0)")
        return None
    from numnet.nn import calibration

    report: dict[str, Any] = {
        "fitted_on": f"the last {len(x_val)} training images (validation split)",
        **calibration.calibrate(model, x_val, y_val),
    }
    for key, t in (("test_ece_before", 1.0), ("test_ece_after", model.temperature)):
        report[key] = calibration.ece_at(z_test, y_test, t)
    print(
        f"calibrated on {len(x_val)} validation images: temperature {report['temperature']:.3f}"
        f", test ECE {report['test_ece_before']:.2%} -> {report['test_ece_after']:.2%}"
    )
    return report


def output_paths(out: Path) -> tuple[Path, Path]:
    """The history (``.history.json``) and curves (``.curves.png``) written beside ``out``."""
    stem = out.with_suffix("")
    return stem.with_name(stem.name + ".history.json"), stem.with_name(stem.name + ".curves.png")


def train_network(args: argparse.Namespace, load: Callable[[], Data]) -> int:
    """--arch mlp / cnn: a ``numnet.presets`` network trained by ``fit``, checkpointed.

    Flags, paths and the checkpoint to resume are checked before ``load()`` reads MNIST.
    """
    from numnet import plots
    from numnet.core.atomic import write_text
    from numnet.files import checkpoint
    from numnet.files import model_file as io

    ckdir = Path(args.checkpoint_dir) if args.checkpoint_dir else None
    if ckdir is not None and ckdir.exists() and not ckdir.is_dir():
        raise NumnetError(f"--checkpoint-dir {ckdir} is a file; give a folder")
    if args.resume and ckdir is None:
        raise NumnetError("--resume needs --checkpoint-dir DIR, the folder of the run to continue")
    resumed = checkpoint.latest(ckdir) if args.resume and ckdir is not None else None
    if args.resume and resumed is None:
        print(f"numnet: no checkpoint in {ckdir} yet: starting the run", file=sys.stderr)
    if resumed is None:
        chosen: RunSettings | None = RunSettings.from_args(args)
    else:
        chosen = RunSettings.from_record(dict(resumed.args))
        if chosen is None:
            raise NumnetError(f"{resumed.path}: the checkpoint's run settings are damaged")
    assert chosen is not None
    settings = asdict(chosen)
    out = Path(args.out or f"{chosen.arch}.npz")
    inputs = [args.data or "", resumed.path if resumed else ""]
    check_output_file(out, "--out", inputs)
    history_path, curves_path = output_paths(out)
    for derived in (history_path, curves_path):
        check_output_file(derived, None, inputs)
    # Without --checkpoint-dir there are no periodic checkpoints, but a stop signal gets one.
    folder = ckdir or out.with_name(out.stem + "-checkpoints")
    run = resumed.run if resumed else checkpoint.new_run_id()
    checkpoint.check_folder(folder, run)
    preset = PRESETS[chosen.arch]

    (x_train, y_train), (x_test, y_test) = load()
    if settings["limit"]:
        n = settings["limit"]
        x_train, y_train, x_test, y_test = x_train[:n], y_train[:n], x_test[:n], y_test[:n]
    assert preset.build is not None  # run() sends the classic network to train_twolayer
    model = resumed.model if resumed else preset.build(settings["seed"])
    n_fit = len(x_train) - int(len(x_train) * settings["validation_split"])
    finish = settings["finish_epochs"]
    optimizer = preset.make_optimizer(
        settings["optimizer"], settings["lr"], n_fit, settings["epochs"], settings["batch_size"],
        finish,
    )
    state = None
    if resumed:
        resumed.restore_optimizer(optimizer)
        state = resumed.state
        where = (
            f"at epoch {state.epoch + 1}, step {state.step}"
            if state.epoch < settings["epochs"]
            else "(training was complete)"
        )
        print(f"resuming {resumed.path} {where} (run {run})")
    else:
        print(
            f"training {settings['arch']} ({model.count_params():,} parameters) on {n_fit} "
            f"images: {settings['epochs']} epochs"
            + (f" (the last {finish} unaugmented)" if finish and settings["augment"] else "")
            + f", batch {settings['batch_size']}, {settings['optimizer']} lr "
            f"{settings['lr']:g}, seed {settings['seed']}"
        )
    every = args.checkpoint_every if ckdir else 0
    saver = checkpoint.Checkpointer(folder, settings, every, epochs=ckdir is not None, run=run)
    start = time.perf_counter()
    try:
        # A diverging run overflows on its way to NaN; DivergenceError reports it in one line.
        with saver.catch_interrupts(), np.errstate(over="ignore", invalid="ignore"):
            history = model.fit(
                x_train,
                y_train,
                epochs=settings["epochs"],
                batch_size=settings["batch_size"],
                optimizer=optimizer,
                loss=SoftmaxCrossEntropy(label_smoothing=preset.label_smoothing),
                validation_split=settings["validation_split"],
                seed=settings["seed"],
                augment=(
                    preset.augmenter(
                        settings["elastic"], settings["thickness"], settings["low_resolution"]
                    )
                    if settings["augment"]
                    else None
                ),
                augment_epochs=settings["epochs"] - finish if finish else None,
                callbacks=[saver],
                initial_state=state,
                threads=args.threads,
            ).history
    except checkpoint.TrainingInterrupted as e:
        print(f"numnet: {e}; checkpoint saved: {e.path}", file=sys.stderr)
        print(
            f"resume with: numnet train --checkpoint-dir {e.path.parent} --resume", file=sys.stderr
        )
        return 128 + e.signum
    except DivergenceError as e:
        raise DivergenceError(
            f"{e}; e.g. --lr {settings['lr'] / 10:g} ({out} not written)"
        ) from None
    seconds = time.perf_counter() - start

    z_test = model.logits(x_test)  # once, for the calibration report and the test score
    calibration = calibrate(model, x_train[n_fit:], y_train[n_fit:], z_test, y_test)
    test_loss, test_acc = model.score_outputs(z_test, y_test)
    record = {
        "command": chosen.command(),
        **settings,
        # the trajectory is bit-identical for a seed and a worker count (numnet.nn.parallel)
        "threads": resolve_threads(args.threads),
        "train_images": n_fit,
        "seconds": round(seconds, 2),
        "calibration": calibration,
        "final": {
            "test_accuracy": test_acc,
            "test_loss": test_loss,
            **{k: v[-1] for k, v in history.items()},
        },
        "history": history,
    }
    io.save(model, out, record)
    write_text(history_path, json.dumps(record, indent=1) + "\n")
    curves = plots.save_figure(plots.training_curves(history), curves_path)
    right = int(round(test_acc * len(y_test)))
    print(f"saved {out}, {history_path}, {curves}")
    print(
        f"test accuracy {test_acc:.4f} ({right}/{len(y_test)} images), trained in {seconds:.1f} s"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    if PRESETS[args.arch].build is None:  # the classic network trains by its own code
        if args.batch_size or args.optimizer or args.checkpoint_dir or args.resume:
            raise NumnetError(
                "--arch twolayer trains as the tutorial does: full-batch gradient descent, no "
                "--batch-size, --optimizer or checkpoints"
            )
        check_output_file(Path(args.out or "twolayer.pkl"), "--out", [args.data or ""])
        return train_twolayer(args, load_mnist(args.data))
    return train_network(args, lambda: load_mnist(args.data))
