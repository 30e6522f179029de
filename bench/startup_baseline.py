"""The start-up baseline beside a 1-item `./shoal run --fn square --range 0:1`: Python's
multiprocessing.Pool(2).map over one item, as a whole process (interpreter start, the pool's fork,
the map, the pool's close). Prints the result as shoal run does, one JSON line."""
import json
import multiprocessing


def square(x):
    return x * x


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        for i, v in enumerate(pool.map(square, [0])):
            print(json.dumps({"index": i, "value": v}, separators=(",", ":")))
