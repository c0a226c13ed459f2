"""TensorFlow loads without its start-up notices; real errors still reach the terminal."""

import subprocess
import sys
import textwrap

from model.quiet import is_noise

NOTICES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    "I0000 00:00:1795884170.837807    1180 port.cc:153] oneDNN custom operations are on.\n",
    "I0000 00:00:1795884170.838328    1180 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.\n",
    "E0000 00:00:1795884174.300379    1180 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\n",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild.\n",
]
PROBLEMS = [
    "E0000 00:00:1795884174.300379    1180 some_op.cc:12] Out of memory while allocating\n",
    "Traceback (most recent call last):\n",
    "<string>:7: UserWarning: something the user should see\n",
]


def test_notices_are_noise_problems_are_not():
    assert all(is_noise(line) for line in NOTICES)
    assert not any(is_noise(line) for line in PROBLEMS)


def run_python(code, tmp_path, env_extra=None):
    import os

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)


def test_a_fake_tensorflows_notices_are_dropped_and_its_errors_kept(tmp_path):
    """A stand-in `tensorflow` writes notices and one real error to fd 2 (as the C++ side
    does) while it loads: only the error reaches stderr, and stderr works afterwards."""
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(textwrap.dedent(f"""
        import os, types
        os.write(2, {''.join(NOTICES[:3]).encode()!r})
        os.write(2, {PROBLEMS[0].encode()!r})

        def _probe():
            os.write(2, {NOTICES[3].encode()!r})
            return []

        config = types.SimpleNamespace(list_physical_devices=_probe)
        """))
    result = run_python(f"""
        import sys
        sys.path.insert(0, {str(fake.parent)!r})
        from model.quiet import import_tensorflow
        tf = import_tensorflow()
        assert tf is import_tensorflow()
        print("after", file=sys.stderr)
        """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [PROBLEMS[0].strip(), "after"]


def test_real_tensorflow_loads_quietly(tmp_path):
    result = run_python("""
        from model.quiet import import_tensorflow
        tf = import_tensorflow()
        print(tf.constant(2) * 3)
        """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "6" in result.stdout
    assert not [line for line in result.stderr.splitlines() if is_noise(line + "\n")], result.stderr


def test_asking_for_tensorflows_logs_turns_the_filter_off(tmp_path):
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(f"import os\nos.write(2, {NOTICES[1].encode()!r})\n")
    result = run_python(f"""
        import sys
        sys.path.insert(0, {str(fake.parent)!r})
        from model.quiet import import_tensorflow
        import_tensorflow()
        """, tmp_path, {"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert result.stderr == NOTICES[1]
