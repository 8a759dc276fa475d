"""Train the embedding router on the exemplars and write the weights that ship with Cazo.

    python -m agents.routers.train        (or: make router)

Run it after changing anything under prompts/intents/ or the router's settings; a test fails while the shipped
weights were trained from other exemplars. Without it Cazo still works: it trains once at first use and caches.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from agents.routers.embedding import EmbeddingRouter
from prompts.exemplars import ROUTER_WEIGHTS, load_exemplars
from serving.embeddings import Embedder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROUTER_WEIGHTS, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    router = EmbeddingRouter(Embedder(), load_exemplars())
    report = router.train_and_save(args.out)
    print(f"trained on {report.exemplars} exemplars in {time.perf_counter() - started:.1f} s "
          f"(cross-validated accuracy {report.cross_validated_accuracy:.3f}, temperature {report.temperature:.3f}); "
          f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB), key {router.key()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
