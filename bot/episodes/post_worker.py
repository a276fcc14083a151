"""Parsing many post files on two cores: the scan thread and one helper process share the work
(:mod:`bot.two_cores`).

Reading a post is pure Python (markdown-it-py), so threads do not help. For a large scan (a first start over a
big archive) the folder source shares the posts with a helper process; whatever goes wrong with it only means the
scan thread parses those posts itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.episodes.model import Episode
from bot.episodes.posts import PostError, Unpublished, parse_post
from bot.episodes.site import Site
from bot.two_cores import share

#: Scans with fewer posts to parse stay in the scan thread: the helper takes about 0.1 s to start (its
#: imports), a sixth of the show's 484 posts. Measured on two idle cores, the 484 posts' cold ingest takes
#: 0.69-0.71 s with the helper and 0.78-0.80 s without (see bench/RESULTS.md, ingestion); on a loaded
#: machine the second core is not free and the helper gains less.
MIN_POSTS = 200


@dataclass(frozen=True, slots=True)
class Job:
    """One post file to parse: its name, its path (the episode's source) and its bytes."""

    name: str
    path: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a post gave: an episode, or ``unpublished``, or the reason it cannot be read."""

    episode: Episode | None = None
    unpublished: bool = False
    reason: str = ""


def parse_job(job: Job, site: Site) -> Parsed:
    """Parse one post; whatever goes wrong is that post's failure only."""
    try:
        return Parsed(parse_post(job.data, filename=job.name, site=site, source=job.path))
    except Unpublished:
        return Parsed(unpublished=True)
    except PostError as exc:
        return Parsed(reason=exc.reason)
    except Exception as exc:  # a bug or hostile input in one post must not stop the scan
        return Parsed(reason=f"cannot be read ({exc.__class__.__name__}: {' '.join(str(exc).split())[:200]})")


def parse_jobs(jobs: list[Job], site: Site) -> list[Parsed]:
    """Parse every job, in order; with a helper process on a second core when there are many."""
    return share(jobs, parse_job, site, min_jobs=MIN_POSTS, what="parsing posts")
