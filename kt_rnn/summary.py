"""The closing lines of a search: best hyperparameters, scores, where things went."""

import shlex


def show(config, result, out=print):
    """Prints the summary of a finished search and export."""
    m = result.metrics
    out("")
    out(f"Best trial {m['best_trial']} of {m['trials']['total']} "
        f"({m['trials']['completed']} completed, {m['trials']['failed']} failed), "
        f"{config.tuner} tuner:")
    width = max(map(len, result.hparams), default=0)
    for name, value in sorted(result.hparams.items()):
        out(f"  {name:<{width}}  {value}")
    out(f"Validation {m['objective']}: {m['best_validation_score']:.4f} (best epoch {m['best_epoch']})")
    out(f"Test accuracy: {m['test_accuracy']:.4f}  test loss: {m['test_loss']:.4f}  "
        f"({m['sizes']['test']} examples, {'refit on train + validation' if m['refit'] else 'trial weights'})")
    out(f"Exported to {result.path}/ (saved_model/, model.keras, hparams.json, metrics.json)")
    out(f"Wall time: {m['wall_time_seconds']:.0f} s")
    out(f"Inspect every trial: tensorboard --logdir {shlex.quote(str(config.project_dir))}")
