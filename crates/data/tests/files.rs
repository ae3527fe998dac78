//! The reader, the data set and the fetcher's checks on small IDX files the tests
//! write themselves.

// burn marks `Device::ndarray` deprecated in favour of `flex`; ndarray is this
// project's reference CPU backend.
#![allow(deprecated)]

use std::path::Path;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use mnist_data::{DataError, MnistBatcher, MnistDataset, MnistFile, Split, fetch, idx};

fn image(seed: u8) -> Vec<u8> {
    (0..784).map(|i| (i as u8).wrapping_mul(seed)).collect()
}

fn write_split(dir: &Path, split: Split, labels: &[u8], gzip: bool) {
    let (img_name, lbl_name) = match split {
        Split::Train => (MnistFile::TrainImages.name(), MnistFile::TrainLabels.name()),
        Split::Test => (MnistFile::TestImages.name(), MnistFile::TestLabels.name()),
    };
    let pixels: Vec<u8> = (0..labels.len()).flat_map(|k| image(k as u8 + 1)).collect();
    let images = idx::encode(&[labels.len(), 28, 28], &pixels);
    let labels = idx::encode(&[labels.len()], labels);
    if gzip {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        for (name, bytes) in [(img_name, images), (lbl_name, labels)] {
            let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
            enc.write_all(&bytes).unwrap();
            std::fs::write(dir.join(format!("{name}.gz")), enc.finish().unwrap()).unwrap();
        }
    } else {
        std::fs::write(dir.join(img_name), images).unwrap();
        std::fs::write(dir.join(lbl_name), labels).unwrap();
    }
}

#[test]
fn loads_raw_and_gzip_splits_as_datasets() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), Split::Train, &[3, 1, 4, 1, 5], false);
    write_split(dir.path(), Split::Test, &[9, 2], true);
    let train = MnistDataset::load(dir.path(), Split::Train).unwrap();
    let test = MnistDataset::load(dir.path(), Split::Test).unwrap();
    assert_eq!(train.len(), 5);
    assert_eq!(test.len(), 2);
    let item = train.get(2).unwrap();
    assert_eq!(item.label, 4);
    assert_eq!(item.pixels, image(3));
    assert!(
        train.get(5).is_err(),
        "out of range is an error, not a panic"
    );
    assert_eq!(test.labels(), &[9, 2]);
}

#[test]
fn finds_burn_cache_layout_and_dotted_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("train")).unwrap();
    let pixels = image(1);
    std::fs::write(
        dir.path().join("train").join("train-images-idx3-ubyte"),
        idx::encode(&[1, 28, 28], &pixels),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("train-labels.idx1-ubyte"),
        idx::encode(&[1], &[7]),
    )
    .unwrap();
    let train = MnistDataset::load(dir.path(), Split::Train).unwrap();
    assert_eq!(train.get(0).unwrap().label, 7);
}

#[test]
fn missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = MnistDataset::load(dir.path(), Split::Test).unwrap_err();
    assert!(matches!(err, DataError::Missing { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("t10k-images-idx3-ubyte") && msg.contains(&dir.path().display().to_string()),
        "{msg}"
    );
}

#[test]
fn rejects_count_mismatch_bad_labels_and_bad_sizes() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), Split::Train, &[1, 2, 3], false);
    std::fs::write(
        dir.path().join(MnistFile::TrainLabels.name()),
        idx::encode(&[2], &[1, 2]),
    )
    .unwrap();
    let msg = MnistDataset::load(dir.path(), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("3 images") && msg.contains("2 labels"),
        "{msg}"
    );

    std::fs::write(
        dir.path().join(MnistFile::TrainLabels.name()),
        idx::encode(&[3], &[1, 10, 3]),
    )
    .unwrap();
    let msg = MnistDataset::load(dir.path(), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("label 10 at index 1") && msg.contains("train-labels"),
        "{msg}"
    );

    std::fs::write(
        dir.path().join(MnistFile::TrainImages.name()),
        idx::encode(&[1, 32, 32], &[0u8; 1024]),
    )
    .unwrap();
    let msg = MnistDataset::load(dir.path(), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("32x32") && msg.contains("train-images"),
        "{msg}"
    );

    std::fs::write(
        dir.path().join(MnistFile::TrainImages.name()),
        b"not an idx file",
    )
    .unwrap();
    let msg = MnistDataset::load(dir.path(), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("magic number") && msg.contains("train-images"),
        "{msg}"
    );
}

#[test]
fn validation_split_holds_out_the_last_images() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), Split::Train, &[0, 1, 2, 3, 4, 5], false);
    let train = MnistDataset::load(dir.path(), Split::Train).unwrap();
    let (rest, held) = train.clone().split_off_last(2).unwrap();
    assert_eq!(rest.labels(), &[0, 1, 2, 3]);
    assert_eq!(held.labels(), &[4, 5]);
    assert_eq!(held.get(0).unwrap().pixels, image(5));
    assert!(train.clone().split_off_last(6).is_err());
    assert!(train.split_off_last(0).is_err());
}

#[test]
fn batcher_scales_to_unit_range_and_keeps_labels() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), Split::Test, &[8, 3], false);
    let test = MnistDataset::load(dir.path(), Split::Test).unwrap();
    let device = Device::ndarray();
    let batch = MnistBatcher.batch(vec![test.get(0).unwrap(), test.get(1).unwrap()], &device);
    assert_eq!(batch.images.dims(), [2, 784]);
    let pixels: Vec<f32> = batch.images.into_data().try_to_vec().unwrap();
    let raw = image(2);
    assert!((pixels[784 + 5] - f32::from(raw[5]) / 255.0).abs() < 1e-7);
    assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    assert!(pixels.contains(&1.0) || pixels.iter().any(|&p| p > 0.9));
    let labels: Vec<i64> = batch
        .targets
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .unwrap();
    assert_eq!(labels, vec![8, 3]);
}

#[test]
fn fetch_refuses_and_keeps_a_file_with_the_wrong_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(MnistFile::TestLabels.name());
    let bytes = idx::encode(&[2], &[1, 2]);
    std::fs::write(&path, &bytes).unwrap();
    let err = fetch::ensure_mnist(dir.path(), &mut |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DataError::HashMismatch { .. }), "{msg}");
    assert!(
        msg.contains("t10k-labels") && msg.contains(MnistFile::TestLabels.sha256()),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the user's file is untouched"
    );
}

#[test]
fn sha256_matches_a_known_vector() {
    assert_eq!(
        fetch::sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
