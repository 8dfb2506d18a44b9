# /// script
# requires-python = ">=3.12"
# dependencies = ["huggingface_hub>=1.0"]
# ///
"""Print basic facts about a model and a dataset on the Hub (an example job for hfjobs-spec)."""

import argparse

from huggingface_hub import HfApi


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--dataset", required=True)
    args = parser.parse_args()
    api = HfApi()
    model = api.model_info(args.model)
    print(f"model {model.id}: {model.downloads} downloads, pipeline {model.pipeline_tag}")
    dataset = api.dataset_info(args.dataset)
    print(f"dataset {dataset.id}: last modified {dataset.last_modified}")


if __name__ == "__main__":
    main()
