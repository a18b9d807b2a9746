"""A throwaway OpenSSH server on 127.0.0.1 for tests: its own host key, user key and
config in a temp folder, on a free port. Nothing of the machine's own SSH set-up is used
or changed (sshd does need its privilege-separation folder, /run/sshd, to exist: it is
created empty when missing, as the openssh-server package would at boot)."""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.support.processes import free_port

SSHD = "/usr/sbin/sshd"


def missing_tools() -> str | None:
    """Why an SSH test cannot run here, or None."""
    if not Path(SSHD).exists():
        return "OpenSSH server (Debian openssh-server) is not installed"
    for tool in ("ssh", "ssh-keygen", "tmux"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if os.geteuid() != 0 and not Path("/run/sshd").is_dir():
        return "sshd needs /run/sshd, which only root can create"
    return None


class SshServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.user = getpass.getuser()
        self.key = folder / "user_key"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(folder / name)], check=True)
        (folder / "authorized_keys").write_text((folder / "user_key.pub").read_text())
        config = folder / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {folder / 'host_key'}",
            f"PidFile {folder / 'sshd.pid'}",
            f"AuthorizedKeysFile {folder / 'authorized_keys'}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "StrictModes no",
            "UsePAM no",
            "PrintMotd no",
            "PrintLastLog no",
            "ClientAliveInterval 2",
            "ClientAliveCountMax 2",
            "",
        ]))
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        subprocess.run([SSHD, "-t", "-f", str(config)], check=True)
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(folder / "sshd.log", "wb"))  # noqa: SIM115
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"sshd did not listen on port {self.port}")

    def client_command(self, remote: str) -> str:
        """A shell command that logs in with a terminal and runs ``remote`` there."""
        args = ["ssh", "-tt", "-i", str(self.key), "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                f"{self.user}@127.0.0.1", remote]
        return shlex.join(args)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
