# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Estimated arrivals along a tour, from straight-line distances at a
cycling speed (no road network: an underestimate in a city with one-way
streets and bridges)"""
import datetime as dt
import math

EARTH_RADIUS = 6371008.8  # metres, the mean radius
OVER = {'done', 'failed', 'cancelled'}


def distance(a, b):
    "The great-circle distance in metres between (latitude, longitude)s"
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2)
        * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(h))


def plan(tasks, speed, stop=dt.timedelta(0), now=None):
    """Each task's estimated arrival and whether it is late, in order

    tasks are dicts with status, latitude, longitude, after, before and
    done_at; speed in km/h; stop the time spent at each stop. A task over
    counts from when it was done. The first open task is reached at its
    window's start (or now, if later); the next ones at the departure from
    the one before plus the ride. A rider waits for a window to open.
    Return [(arrival or None, late)]."""
    metres_per_second = speed * 1000 / 3600
    clock = None
    previous = None
    result = []
    for task in tasks:
        point = None
        if task.get('latitude') is not None and task.get(
                'longitude') is not None:
            point = (task['latitude'], task['longitude'])
        if task['status'] in OVER:
            done_at = task.get('done_at')
            result.append((done_at, False))
            if done_at:
                clock = done_at
            previous = point or previous
            continue
        if clock is None:
            arrival = task.get('after')
            if arrival and now and now > arrival:
                arrival = now
            elif arrival is None:
                arrival = now
        else:
            ride = dt.timedelta(0)
            if previous and point:
                ride = dt.timedelta(
                    seconds=round(distance(previous, point)
                        / metres_per_second))
            arrival = clock + ride
            if now and now > arrival:
                arrival = now
        if arrival is None:
            result.append((None, False))
            previous = point or previous
            continue
        before = task.get('before')
        late = bool(before and arrival > before)
        after = task.get('after')
        departure = max(arrival, after) if after else arrival
        clock = departure + stop
        previous = point or previous
        result.append((arrival, late))
    return result
