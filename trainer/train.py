"""`make train`: train the small GPT (trainer/model.py) on the packed bins, with resumable checkpoints.

Data: every `train-*` shard is memory-mapped; a batch is `batch_size` contexts of `block_size + 1` tokens
starting at uniform positions (a shard is picked in proportion to its tokens, so the mixture written by
`make pack` is the mixture trained on). The positions of step i come from a generator seeded with
(seed, i), so a run resumed from a checkpoint draws exactly the batches the uninterrupted run would have.

Schedule: linear warm-up, then cosine decay from `learning_rate` to `min_lr` at `max_iters`; AdamW
(β = 0.9, 0.95), gradient clipping. Every `eval_interval` steps the train and validation losses are the
mean of `eval_iters` fixed batches; they are printed and appended to `model/log.jsonl` beside the
baseline a model without context would reach: the cross-entropy of the validation tokens under the
training tokens' unigram distribution (add-one smoothed), in nats like the losses.

The output bias starts at the training tokens' log unigram distribution (trainer/model.py), so the first
evaluation sits at that baseline and the curve shows what the model learns from context.

Checkpoints (`model/ckpt.pt`: weights, optimiser, step, RNG state, the config and the bins' manifest
hash) are written under a temporary name and renamed; rerunning `make train` resumes from the last one,
and refuses a checkpoint made with another model, schedule or data (pass --fresh to start over). The end
writes `model/train.json` (losses, baseline, tokens/s) and `model/samples.txt` (text the model generates).
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from pipeline.base import stable_hash
from pipeline.errors import UserError
from pipeline.shards import write_json_atomic
from trainer.bins import ShardReader, shard_stems
from trainer.config import TrainRunConfig
from trainer.tokenizer import EOS, Tokenizer


class TokenSampler:
    """Random contexts from the memory-mapped shards of one split."""

    def __init__(self, bins: Path, split: str, block: int, verify: bool = True):
        stems = shard_stems(bins, split)
        if not stems:
            raise UserError(f"no {split} bins in {bins}: run `make pack` first")
        self.shards = [ShardReader(s, verify=verify) for s in stems]
        self.block = block
        self.starts = np.array([max(r.n_tokens - block - 1, 0) for r in self.shards], dtype=np.int64)
        if self.starts.sum() == 0:
            raise UserError(f"the {split} bins hold fewer than block_size + 1 = {block + 1} tokens in every shard")
        self.cum = np.cumsum(self.starts)
        self.n_tokens = sum(r.n_tokens for r in self.shards)

    def batch(self, rng: np.random.Generator, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        pos = rng.integers(0, self.cum[-1], size=batch_size)
        shard = np.searchsorted(self.cum, pos, side="right")
        off = pos - np.concatenate([[0], self.cum[:-1]])[shard]
        rows = np.stack([np.asarray(self.shards[s].tokens[o:o + self.block + 1], dtype=np.int64)
                         for s, o in zip(shard.tolist(), off.tolist())])
        return np.ascontiguousarray(rows[:, :-1]), np.ascontiguousarray(rows[:, 1:])

    def counts(self, vocab: int) -> np.ndarray:
        c = np.zeros(vocab, dtype=np.int64)
        for r in self.shards:
            for i in range(0, r.n_tokens, 1 << 24):
                c += np.bincount(r.tokens[i:i + (1 << 24)], minlength=vocab)[:vocab]
        return c


def unigram_baseline(ct: np.ndarray, cv: np.ndarray) -> dict:
    """Entropy of the training tokens' unigram distribution and the validation cross-entropy under it (nats),
    from token counts of the training and validation bins."""
    vocab = len(ct)
    p = ct / ct.sum()
    nz = p > 0
    q = (ct + 1) / (ct.sum() + vocab)
    return {"unigram_entropy_train": float(-(p[nz] * np.log(p[nz])).sum()),
            "unigram_val_loss": float(-(cv * np.log(q)).sum() / cv.sum())}


def interval_line(step: int, end: int, loss: float, lr: float, steps: int, seconds: float, tokens_per_step: int) -> str:
    """`step 120/600  loss 4.812  lr 2.91e-03  1,234 tokens/s  ETA 3m05s` (rates over this session's steps)."""
    per_step = seconds / max(steps, 1)
    eta = int(round(per_step * (end - step)))
    h, m, sec = eta // 3600, eta // 60 % 60, eta % 60
    return (f"step {step:>5}/{end}  loss {loss:.3f}  lr {lr:.2e}  {tokens_per_step / per_step if per_step else 0:,.0f} "
            f"tokens/s  ETA " + (f"{h}h{m:02d}m{sec:02d}s" if h else f"{m}m{sec:02d}s"))


def lr_at(it: int, tc) -> float:
    if it < tc.warmup_iters:
        return tc.learning_rate * (it + 1) / tc.warmup_iters
    frac = (it - tc.warmup_iters) / max(tc.max_iters - tc.warmup_iters, 1)
    return tc.min_lr + 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))) * (tc.learning_rate - tc.min_lr)


def train(cfg: TrainRunConfig, fresh: bool = False, stop_after: int | None = None, progress: bool = False) -> dict:
    """Train (or resume) to `max_iters`; `stop_after` ends early after that step, as an interruption would."""
    import torch

    from trainer.model import GPT

    tc, mc = cfg.train, cfg.model
    out = Path(cfg.output)
    bins, model_dir = out / "bins", out / "model"
    manifest_path = bins / "manifest.json"
    if not manifest_path.is_file():
        raise UserError(f"{manifest_path} not found: run `make pack` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tok = Tokenizer(out / "tokenizer" / "tokenizer.model")
    if tok.sha256 != manifest["tokenizer"]["sha256"]:
        raise UserError("the tokenizer changed since the bins were packed: run `make pack` again")
    torch.manual_seed(tc.seed)
    torch.set_num_threads(tc.threads or len(os.sched_getaffinity(0)))
    device = ("cuda" if torch.cuda.is_available() else "cpu") if tc.device == "auto" else tc.device
    train_data = TokenSampler(bins, "train", mc.block_size)
    val_data = TokenSampler(bins, "val", mc.block_size)
    run_key = stable_hash({"model": mc.model_dump(), "train": tc.model_dump(exclude={"device", "threads",
                           "sample_tokens", "eval_interval", "log_interval", "eval_iters",
                                                               "checkpoint_interval"}),
                           "bins": manifest["shards"], "vocab": tok.vocab_size})
    model = GPT(mc, tok.vocab_size).to(device)
    opt = model.optimizer(tc.learning_rate, tc.weight_decay)
    ckpt_path = model_dir / "ckpt.pt"
    start, log = 0, []
    if fresh:  # start over: an old checkpoint must not be resumed if this run stops before its first save
        ckpt_path.unlink(missing_ok=True)
    if ckpt_path.is_file():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=True)
        if ckpt["run_key"] != run_key:
            raise UserError(f"{ckpt_path} was made with another model, schedule or bins; "
                            "`make train FRESH=1` (or --fresh) starts over")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        torch.set_rng_state(ckpt["rng"])
        start = int(ckpt["iter"])
        log = [e for e in _read_log(model_dir / "log.jsonl") if e["iter"] < start or e.get("resumed_at")]
        log.append({"iter": start, "resumed_at": start})
    model_dir.mkdir(parents=True, exist_ok=True)
    for stale in model_dir.glob(".ckpt.pt.tmp-*"):  # left by a run killed while saving
        stale.unlink()
    counts = train_data.counts(tok.vocab_size)
    baseline = unigram_baseline(counts, val_data.counts(tok.vocab_size))
    if start == 0:
        model.init_output_bias(torch.from_numpy(counts).to(device))

    def batch(sampler: TokenSampler, rng: np.random.Generator):
        x, y = sampler.batch(rng, tc.batch_size)
        return torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    @torch.no_grad()
    def evaluate() -> dict:
        model.eval()
        res = {}
        for name, sampler in (("train", train_data), ("val", val_data)):
            rng = np.random.default_rng([tc.seed, 10**9])  # the same batches at every evaluation
            res[f"{name}_loss"] = float(np.mean([model(*batch(sampler, rng))[1].item() for _ in range(tc.eval_iters)]))
        model.train()
        return res

    def save(it: int) -> None:
        tmp = ckpt_path.with_name(f".{ckpt_path.name}.tmp-{os.getpid()}")
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "iter": it, "run_key": run_key,
                    "rng": torch.get_rng_state(), "model_config": mc.model_dump(), "vocab_size": tok.vocab_size,
                    "tokenizer_sha256": tok.sha256}, tmp)
        os.replace(tmp, ckpt_path)
        with open(model_dir / ".log.tmp", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(e) + "\n" for e in log)
        os.replace(model_dir / ".log.tmp", model_dir / "log.jsonl")

    from tqdm import tqdm

    bar = tqdm(total=tc.max_iters, initial=start, unit="step", disable=not progress, dynamic_ncols=True)
    step_time, steps_timed = 0.0, 0
    model.train()
    end = min(tc.max_iters, stop_after) if stop_after is not None else tc.max_iters
    it = start
    for it in range(start, end):
        if it % tc.eval_interval == 0:
            e = {"iter": it, **evaluate(), "lr": lr_at(it, tc)}
            log.append(e)
            bar.write(f"step {it:>5}: train {e['train_loss']:.3f}  val {e['val_loss']:.3f}  "
                      f"(unigram baseline {baseline['unigram_val_loss']:.3f})  lr {e['lr']:.2e}")
            sys.stdout.flush()
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr_at(it, tc)
        x, y = batch(train_data, np.random.default_rng([tc.seed, it]))
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if tc.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        step_time += time.perf_counter() - t0
        steps_timed += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if (it + 1) % tc.log_interval == 0:
            bar.write(interval_line(it + 1, end, loss.item(), lr_at(it, tc), steps_timed, step_time,
                                    tc.batch_size * mc.block_size))
            sys.stdout.flush()
        if (it + 1) % tc.checkpoint_interval == 0 or it + 1 == end:
            save(it + 1)
    bar.close()
    if start >= end:
        it = start - 1
    done = it + 1
    summary = {"iter": done, "max_iters": tc.max_iters, "finished": done >= tc.max_iters, "device": device,
               "params": model.n_params(), "vocab_size": tok.vocab_size, **baseline,
               "train_tokens_in_bins": train_data.n_tokens, "val_tokens_in_bins": val_data.n_tokens,
               "tokens_per_s": round(steps_timed * tc.batch_size * mc.block_size / step_time, 1) if step_time else None,
               "resumed_from": start}
    if done >= tc.max_iters:
        final = {"iter": done, **evaluate()}
        if not log or log[-1].get("iter") != done:
            log.append(final)
        save(done)
        summary.update(final)
        summary["val_loss_below_unigram_nats"] = round(baseline["unigram_val_loss"] - final["val_loss"], 4)
        if tc.sample_tokens:
            gen = torch.Generator(device=device).manual_seed(tc.seed)
            out_ids = model.eval().generate(torch.tensor([[EOS]], device=device), tc.sample_tokens, stop=EOS,
                                            generator=gen)[0, 1:].tolist()
            text = tok.decode([t for t in out_ids if t != EOS])
            (model_dir / "samples.txt").write_text(text + "\n", encoding="utf-8")
            summary["sample"] = text
        write_json_atomic(summary, model_dir / "train.json")
    return summary


def _read_log(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
