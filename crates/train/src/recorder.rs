//! Collects burn-train's metric updates as they happen: every iteration's training
//! loss and accuracy, per-epoch means of each split, and the wall time of each
//! epoch. The learner owns the logger; the run keeps a handle to the same records.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::train::Interrupter;
use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};

/// One training iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct IterationRow {
    pub epoch: usize,
    pub iteration: usize,
    pub loss: f64,
    /// Fraction in [0, 1].
    pub accuracy: f64,
}

/// One split of one epoch: means over its batches, weighted by batch size.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRow {
    pub epoch: usize,
    pub split: String,
    pub loss: f64,
    pub accuracy: f64,
    pub seconds: f64,
}

#[derive(Debug, Default)]
pub struct Records {
    pub iterations: Vec<IterationRow>,
    pub epochs: Vec<EpochRow>,
    /// Set when a loss stopped being finite; the run is interrupted then.
    pub diverged: Option<String>,
}

#[derive(Default)]
struct Accum {
    loss_sum: f64,
    acc_sum: f64,
    weight: f64,
}

pub struct Recorder {
    records: Arc<Mutex<Records>>,
    names: HashMap<MetricId, String>,
    open: HashMap<String, Accum>,
    last_mark: Instant,
    iteration: usize,
    interrupter: Interrupter,
    eval_split_name: String,
    total_epochs: usize,
    print_epochs: bool,
}

impl Recorder {
    /// `eval_split_name` names the learner's evaluation split in the records
    /// ("test" or "valid"); with `print_epochs`, a line per epoch and split is printed.
    pub fn new(
        interrupter: Interrupter,
        eval_split_name: &str,
        total_epochs: usize,
        print_epochs: bool,
    ) -> (Self, Arc<Mutex<Records>>) {
        let records = Arc::new(Mutex::new(Records::default()));
        (
            Self {
                records: records.clone(),
                names: HashMap::new(),
                open: HashMap::new(),
                last_mark: Instant::now(),
                iteration: 0,
                interrupter,
                eval_split_name: eval_split_name.to_string(),
                total_epochs,
                print_epochs,
            },
            records,
        )
    }

    fn split_name(&self, split: &Split) -> String {
        match split {
            Split::Train => "train".to_string(),
            _ => self.eval_split_name.clone(),
        }
    }
}

fn value_and_count(entry: &NumericEntry) -> (f64, f64) {
    match entry {
        NumericEntry::Aggregated {
            aggregated_value,
            count,
        } => (*aggregated_value, *count as f64),
        other => (other.current(), 1.0),
    }
}

impl MetricLogger for Recorder {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let mut loss = None;
        let mut accuracy = None;
        for numeric in &update.entries_numeric {
            let Some(name) = self.names.get(&numeric.entry.metric_id) else {
                continue;
            };
            // At the end of a split burn logs the epoch's value once more as
            // `Final`; the epoch means here come from the batches themselves.
            let Some(entry) = numeric
                .numeric_entry
                .as_ref()
                .filter(|e| !matches!(e, NumericEntry::Final(_)))
            else {
                continue;
            };
            match name.as_str() {
                "Loss" => loss = Some(value_and_count(entry)),
                "Accuracy" => accuracy = Some(value_and_count(entry)),
                _ => {}
            }
        }
        let (Some((loss, _)), Some((acc, count))) = (loss, accuracy) else {
            return;
        };
        let acc = acc / 100.0; // burn reports accuracy in percent
        let split_name = self.split_name(split);
        let open = self.open.entry(split_name.clone()).or_default();
        open.loss_sum += loss * count;
        open.acc_sum += acc * count;
        open.weight += count;
        if matches!(split, Split::Train) {
            self.iteration += 1;
            self.records.lock().unwrap().iterations.push(IterationRow {
                epoch,
                iteration: self.iteration,
                loss,
                accuracy: acc,
            });
        }
        if !loss.is_finite() {
            let message = format!(
                "the {split_name} loss became {loss} in epoch {epoch} (iteration {}): training diverged; \
                 lower the learning rate (--lr) and run again",
                self.iteration
            );
            let mut records = self.records.lock().unwrap();
            if records.diverged.is_none() {
                records.diverged = Some(message.clone());
                self.interrupter.stop(Some(&message));
            }
        }
    }

    fn read_numeric(
        &mut self,
        _name: &str,
        _epoch: usize,
        _split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        Err("the recorder keeps its own records; burn's file logger answers reads".to_string())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.names
            .insert(definition.metric_id.clone(), definition.name.to_string());
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        let split_name = self.split_name(&summary.split);
        let now = Instant::now();
        let seconds = now.duration_since(self.last_mark).as_secs_f64();
        self.last_mark = now;
        let Some(acc) = self.open.remove(&split_name) else {
            return;
        };
        if acc.weight > 0.0 {
            let row = EpochRow {
                epoch: summary.epoch_number,
                split: split_name,
                loss: acc.loss_sum / acc.weight,
                accuracy: acc.acc_sum / acc.weight,
                seconds,
            };
            if self.print_epochs {
                println!(
                    "epoch {}/{} {:<5} loss {:.4}  accuracy {:6.2}%  {:.1} s",
                    row.epoch,
                    self.total_epochs,
                    row.split,
                    row.loss,
                    row.accuracy * 100.0,
                    row.seconds
                );
            }
            self.records.lock().unwrap().epochs.push(row);
        }
    }
}
