// SPDX-License-Identifier: GPL-2.0
/*
 * init.c - the first process of a UML selftest boot.
 *
 * usage (from the kernel command line, after "--"):
 *	init OUTPUT COMMAND
 *
 * COMMAND is a file with one argument a line: the program and its
 * arguments (a list of test names can be longer than a kernel command
 * line).  Mounts what selftests open (proc, sysfs, devtmpfs, debugfs, a
 * tmpfs on /tmp), runs the program with stdout and stderr going to
 * OUTPUT, a file on the host file system that every write reaches at
 * once (O_SYNC), so that the host sees each line even when the kernel
 * hangs or dies later, appends "init: PROGRAM exited with status N" and
 * powers the machine off.  scripts/selftest.py builds it statically.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void say(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0)
		return;
}

#define MAX_ARGS	1024

/* Reads @path, one argument a line, into @args; returns their number. */
static int read_command(const char *path, char **args)
{
	static char buf[1 << 16];
	int fd, n = 0;
	ssize_t len;
	char *p;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	for (p = strtok(buf, "\n"); p && n < MAX_ARGS; p = strtok(NULL, "\n"))
		args[n++] = p;
	args[n] = NULL;
	return n;
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);
}

static int mount_one(int out, const char *fs, const char *dir)
{
	mkdir(dir, 0755);
	if (mount(fs, dir, fs, 0, NULL) && errno != EBUSY) {
		say(out, "init: mounting %s on %s: %s\n", fs, dir, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char *args[MAX_ARGS + 1];
	int console, out, status;
	pid_t pid;

	console = open("/dev/console", O_WRONLY);
	if (console < 0)
		console = 2;
	if (argc != 3) {
		say(console, "init: usage: init OUTPUT COMMAND\n");
		power_off();
	}
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_SYNC, 0644);
	if (out < 0) {
		say(console, "init: cannot open %s: %s\n", argv[1], strerror(errno));
		power_off();
	}
	if (mount_one(out, "proc", "/proc") || mount_one(out, "sysfs", "/sys") ||
	    mount_one(out, "devtmpfs", "/dev") ||
	    mount_one(out, "debugfs", "/sys/kernel/debug") ||
	    mount_one(out, "tmpfs", "/tmp"))
		power_off();
	if (read_command(argv[2], args) < 1) {
		say(out, "init: no command in %s\n", argv[2]);
		power_off();
	}

	pid = fork();
	if (pid < 0) {
		say(out, "init: fork: %s\n", strerror(errno));
		power_off();
	}
	if (pid == 0) {
		dup2(out, 1);
		dup2(out, 2);
		if (chdir("/tmp"))
			_exit(126);
		execv(args[0], args);
		say(out, "init: cannot run %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	/* PID 1 also reaps what the program leaves behind. */
	for (;;) {
		pid_t got = wait(&status);

		if (got == pid)
			break;
		if (got < 0 && errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (WIFEXITED(status))
		say(out, "init: %s exited with status %d\n", args[0],
		    WEXITSTATUS(status));
	else
		say(out, "init: %s was killed by signal %d\n", args[0],
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	close(out);
	power_off();
	return 0;
}
