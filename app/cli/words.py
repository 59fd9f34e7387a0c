"""The command line in its reader's language: the locale's (LANG=zh_CN.UTF-8 → Chinese,
en_US.UTF-8 or C → English), from the catalogue the API answers from (app/messages.py).

Click fixes a command's help when it is decorated, before anyone's language is known; these
classes keep a catalogue Message instead and say it when the help is shown, so one process
(the test suite) can show it in either language. Gridmap's groups are `Group`s, their commands
`Command`s, their options `option(...)`; `help=Message("cli.help…")` throughout. What click
and Flask say themselves stays English: `flask --help`'s own lines, "No such option" and the
other usage errors (click's only hook is a compiled gettext catalogue: a second catalogue)."""
from __future__ import annotations

import functools
import os
import re

import click

from ..messages import DEFAULT_LANGUAGE, LANGUAGES, Message, Said, say
from .columns import Formatter, clipped, has_wide

# the POSIX locale names no language: it is the machine's, not the reader's
NO_LANGUAGE = ("c", "posix")


def language() -> str:
    """zh or en, from LC_ALL, else LC_MESSAGES, else LANG (the precedence POSIX gives them);
    English for the C locale, Chinese for any other language and when none is set."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            spoken = re.split(r"[_.@-]", value)[0].lower()
            if spoken in NO_LANGUAGE:
                return "en"
            return spoken if spoken in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def echo(key: str, /, said_in: str | None = None, err: bool = False, **params) -> None:
    """Says the catalogue's message `key` on its own line, in `said_in` (--lang) or the locale's."""
    click.echo(say(key, said_in or language(), **params), err=err)


class Refusal(click.ClickException):
    """A command's refusal: a catalogue message (or a service's Said), said in the language
    asked for (--lang), else the locale's, with "错误：" before it in Chinese."""

    def __init__(self, words: Message | Said, said_in: str | None = None):
        self.words, self.language = words, said_in
        super().__init__(words.key)

    def said_in(self) -> str:
        return self.language or language()

    def format_message(self) -> str:
        words = self.words
        return words.describe(self.said_in()) if isinstance(words, Said) else words.say(self.said_in())

    def __str__(self) -> str:
        return self.format_message()

    def show(self, file=None) -> None:
        click.echo(say("cli.error", self.said_in()) + self.format_message(), file=file, err=file is None)


class _Said:
    """An attribute click reads as text (help, prompt), kept as a Message and said in the
    reader's language whenever it is read."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = f"_words_{name}"

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        words = instance.__dict__.get(self.name)
        return words.say(language()) if isinstance(words, Message) else words

    def __set__(self, instance, words: Message | str | None) -> None:
        instance.__dict__[self.name] = words


class Option(click.Option):
    help = _Said()
    prompt = _Said()

    def __init__(self, *decls, help: Message | None = None, **attrs):
        super().__init__(*decls, **attrs)
        self.help = help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """click's, with its [default: …; required] in the reader's language too."""
        if self.hidden:
            return None
        said_in, extra = language(), self.get_help_extra(ctx)
        notes = []
        if "envvars" in extra:
            notes.append(say("cli.help.env_var", said_in, names=", ".join(extra["envvars"])))
        if "default" in extra:
            notes.append(say("cli.help.default", said_in, value=extra["default"]))
        if "range" in extra:
            notes.append(extra["range"])
        if "required" in extra:
            notes.append(say("cli.help.required", said_in))
        help, notes = self.help or "", say("cli.help.separator", said_in).join(notes)
        if notes:
            help = f"{help}  [{notes}]" if help else f"[{notes}]"
        return self.get_help_spec(ctx), help


option = functools.partial(click.option, cls=Option)


class _Help:
    """What Command and Group share: the help page's own words, laid out for Chinese too."""

    help = _Said()
    options_metavar = _Said()
    subcommand_metavar = _Said()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.options_metavar = Message("cli.help.options_metavar")

    def get_short_help_str(self, limit: int = 45) -> str:
        text = self.help or ""
        if not has_wide(text):
            return super().get_short_help_str(limit)
        first = re.split(r"(?<=[。；])", " ".join(text.split()))[0].rstrip("。；")
        return clipped(first, limit)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:       # click keeps one per command: said afresh each time
            option.help = say("cli.help.help", language())
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),
                              prefix=say("cli.help.usage", language()))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [r for p in self.get_params(ctx) if not isinstance(p, click.Argument)
                   and (r := p.get_help_record(ctx)) is not None]
        if records:
            with formatter.section(say("cli.help.options", language())):
                formatter.write_dl(records)


class _Context(click.Context):
    formatter_class = Formatter


class Command(_Help, click.Command):
    context_class = _Context


class Group(_Help, click.Group):
    context_class = _Context
    command_class = Command
    group_class = type          # a group's groups are Groups

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.chain:
            self.subcommand_metavar = Message("cli.help.subcommand_metavar")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, command) for name in self.list_commands(ctx)
                    if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section(say("cli.help.commands", language())):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])
