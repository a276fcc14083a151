"""Every user-facing text of the letters feature (Japanese first, English translations)."""

from __future__ import annotations

from bot import i18n
from bot.letters.model import Status
from bot.letters.text import Code, Field, Problem, codepoint

i18n.register(
    {
        # listener commands
        "letters.cmd.otayori": {"default": "otayori", "ja": "お便り", "en": "letter"},
        "letters.cmd.otayori.desc": {
            "ja": "番組にお便りを送る・自分のお便りを見る",
            "en": "Write to the show, or see your letters",
        },
        "letters.cmd.write": {"default": "write", "ja": "書く", "en": "write"},
        "letters.cmd.write.desc": {
            "ja": "お便りを書きます（フォームが開きます）",
            "en": "Write a letter (opens a form)",
        },
        "letters.cmd.mine": {"default": "mine", "ja": "自分のお便り", "en": "mine"},
        "letters.cmd.mine.desc": {
            "ja": "自分が送ったお便りと状態を見る",
            "en": "See the letters you sent and their status",
        },
        "letters.cmd.delete": {"default": "delete", "ja": "削除", "en": "delete"},
        "letters.cmd.delete.desc": {"ja": "自分のお便りを削除します", "en": "Delete one of your letters"},
        "letters.opt.episode": {"default": "episode", "ja": "エピソード", "en": "episode"},
        "letters.opt.episode.desc": {
            "ja": "関連するエピソード（番号かタイトルで探せます）",
            "en": "Related episode (search by number or title)",
        },
        "letters.opt.number": {"default": "number", "ja": "番号", "en": "number"},
        "letters.opt.number.desc": {"ja": "お便りの番号", "en": "The letter's number"},
        # host commands
        "letters.cmd.letters": {"default": "letters", "ja": "お便り管理", "en": "letters"},
        "letters.cmd.letters.desc": {"ja": "お便りを管理します（ホスト用）", "en": "Manage letters (hosts)"},
        "letters.cmd.list": {"default": "list", "ja": "一覧", "en": "list"},
        "letters.cmd.list.desc": {"ja": "お便りの一覧を表示します", "en": "List letters"},
        "letters.cmd.show": {"default": "show", "ja": "表示", "en": "show"},
        "letters.cmd.show.desc": {"ja": "お便りを1通表示します", "en": "Show one letter"},
        "letters.cmd.status": {"default": "status", "ja": "状態変更", "en": "status"},
        "letters.cmd.status.desc": {"ja": "お便りの状態を変えます", "en": "Change a letter's status"},
        "letters.cmd.export": {"default": "export", "ja": "書き出し", "en": "export"},
        "letters.cmd.export.desc": {
            "ja": "お便りをファイルに書き出す（JSON・CSV・Markdown）",
            "en": "Export letters to a file (JSON, CSV, Markdown)",
        },
        "letters.cmd.aired": {"default": "aired", "ja": "放送済み", "en": "aired"},
        "letters.cmd.aired.desc": {
            "ja": "お便りを放送で読んだことを記録し、希望者に知らせる",
            "en": "Record that a letter was read on air and tell its author",
        },
        "letters.opt.status": {"default": "status", "ja": "状態", "en": "status"},
        "letters.opt.status.desc": {"ja": "この状態のお便りだけ", "en": "Only letters with this status"},
        "letters.opt.new_status": {"default": "new_status", "ja": "新しい状態", "en": "new_status"},
        "letters.opt.new_status.desc": {"ja": "変更後の状態", "en": "The status to set"},
        "letters.opt.filter_episode.desc": {
            "ja": "このエピソードのお便りだけ",
            "en": "Only letters about this episode",
        },
        "letters.opt.aired_episode.desc": {"ja": "読んだエピソード", "en": "The episode it was read in"},
        "letters.opt.since": {"default": "since", "ja": "開始日", "en": "since"},
        "letters.opt.since.desc": {
            "ja": "この日以降に届いたもの（例: 2026-03-01）",
            "en": "Received on or after this date (e.g. 2026-03-01)",
        },
        "letters.opt.format": {"default": "format", "ja": "形式", "en": "format"},
        "letters.opt.format.desc": {"ja": "ファイル形式", "en": "File format"},
        "letters.format.json": {"ja": "JSON（台本生成用）", "en": "JSON (script generator)"},
        "letters.format.csv": {"ja": "CSV（Excel 用）", "en": "CSV (Excel)"},
        "letters.format.markdown": {"ja": "Markdown", "en": "Markdown"},
        # statuses
        "letters.status.new": {"ja": "新着", "en": "New"},
        "letters.status.held": {"ja": "保留", "en": "On hold"},
        "letters.status.read": {"ja": "既読", "en": "Read"},
        "letters.status.adopted": {"ja": "採用", "en": "Adopted"},
        "letters.status.rejected": {"ja": "却下", "en": "Rejected"},
        "letters.status.aired": {"ja": "放送済み", "en": "Aired"},
        "letters.status.deleted": {"ja": "削除済み", "en": "Deleted"},
        # the form
        "letters.modal.title": {"ja": "お便りを書く", "en": "Write a letter"},
        "letters.modal.name": {"ja": "ラジオネーム", "en": "Radio name"},
        "letters.modal.name.desc": {
            "ja": "空欄なら表示名（{name}）になるのだ",
            "en": "Leave empty to use your display name ({name})",
        },
        "letters.modal.body": {"ja": "本文", "en": "Letter"},
        "letters.modal.body.desc": {"ja": "{min}〜{max}文字", "en": "{min} to {max} characters"},
        "letters.modal.body.placeholder": {
            "ja": "番組の感想、質問、取り上げてほしい話題など",
            "en": "Thoughts on the show, questions, topics you would like to hear about",
        },
        "letters.modal.episode": {"ja": "関連するエピソード", "en": "Related episode"},
        "letters.modal.episode.desc": {"ja": "選ばなくても大丈夫なのだ", "en": "Optional"},
        "letters.modal.episode.placeholder": {"ja": "エピソードを選ぶ（任意）", "en": "Choose an episode (optional)"},
        "letters.modal.notify": {"ja": "放送で読まれたら知らせてほしい", "en": "Tell me when it is read on air"},
        "letters.modal.notify.desc": {
            "ja": "DMでお知らせするのだ（DMが届かないときは告知スレッドでメンション）",
            "en": "By DM (or a mention in the episode's thread when DMs are closed)",
        },
        # field names in problems
        "letters.field.name": {"ja": "ラジオネーム", "en": "The radio name"},
        "letters.field.body": {"ja": "本文", "en": "The letter"},
        "letters.problem.blank": {"ja": "本文が空っぽなのだ。", "en": "The letter is empty."},
        "letters.problem.too_short": {
            "ja": "{field}が短すぎるのだ（{length}文字）。{limit}文字以上で書いてほしいのだ。",
            "en": "{field} is too short ({length} characters); please write at least {limit}.",
        },
        "letters.problem.too_long": {
            "ja": "{field}が長すぎるのだ（{length}文字）。{limit}文字以内にしてほしいのだ。",
            "en": "{field} is too long ({length} characters); please keep it within {limit}.",
        },
        "letters.problem.control": {
            "ja": "{field}に見えない制御文字（{chars}）が入っているのだ。取り除いた文章で書き直せるのだ。",
            "en": "{field} contains invisible control characters ({chars}); retry with them removed.",
        },
        "letters.problem.bidi": {
            "ja": "{field}に文字の向きを変える見えない文字（{chars}）が入っているのだ。"
            "取り除いた文章で書き直せるのだ。",
            "en": "{field} contains invisible text-direction controls ({chars}); retry with them removed.",
        },
        "letters.problem.combining": {
            "ja": "{field}に、記号（結合文字）が{limit}個を超えて重なった部分があるのだ。",
            "en": "{field} stacks more than {limit} combining marks on one character.",
        },
        "letters.invalid.head": {
            "ja": "お便りを受け付けられなかったのだ。直してもう一度送ってほしいのだ。",
            "en": "Your letter could not be accepted. Please fix it and send it again.",
        },
        "letters.invalid.kept": {
            "ja": "書いた文章は下に残しておいたのだ。「書き直す」でフォームに戻れるのだ。",
            "en": "What you wrote is kept below. Press Rewrite to get back to the form.",
        },
        "letters.invalid.file": {
            "ja": "全文は添付ファイルに入れておいたのだ。",
            "en": "The full text is in the attached file.",
        },
        "letters.draft.title": {"ja": "あなたが書いた文章", "en": "What you wrote"},
        "letters.draft.name": {"ja": "ラジオネーム", "en": "Radio name"},
        "letters.retry": {"ja": "書き直す", "en": "Rewrite"},
        "letters.not_saved": {
            "ja": "ごめんなさい、今はお便りを保存できなかったのだ（ボットの側の問題なのだ）。"
            "このお便りはまだ届いていないのだ。少し待ってから「書き直す」で送り直してほしいのだ。",
            "en": "Sorry, your letter could not be saved just now (a problem on the bot's side); it has not "
            "been sent. Please wait a little and send it again with Rewrite.",
        },
        "letters.blocked": {
            "ja": "ごめんなさい、このサーバーでは今お便りを受け付けられないのだ。",
            "en": "Sorry, this server cannot accept letters from you at the moment.",
        },
        "letters.rate_limited": {
            "ja": "お便りを送るペースが速すぎるのだ。{when}にまた送ってほしいのだ。",
            "en": "You are sending letters too quickly. Please send again {when}.",
        },
        "letters.confirm": {
            "ja": "お便り **#{number}** を受け付けたのだ！ありがとうなのだ。",
            "en": "Letter **#{number}** received. Thank you!",
        },
        "letters.confirm.notify": {
            "ja": "放送で読まれたらお知らせするのだ。",
            "en": "You will be told when it is read on air.",
        },
        "letters.confirm.episode": {"ja": "エピソード: #{episode}", "en": "Episode: #{episode}"},
        "letters.confirm.name": {"ja": "ラジオネーム: {name}", "en": "Radio name: {name}"},
        "letters.form_expired": {
            "ja": "このボタンは期限切れなのだ。`/お便り 書く` でもう一度書いてほしいのだ。",
            "en": "This button has expired. Please use /letter write again.",
        },
        # mine / delete
        "letters.mine.title": {"ja": "あなたのお便り（{count}通）", "en": "Your letters ({count})"},
        "letters.mine.empty": {
            "ja": "このサーバーに送ったお便りはまだないのだ。`/お便り 書く` で書いてみてほしいのだ！",
            "en": "You have not sent a letter here yet. Try /letter write!",
        },
        "letters.delete.confirm": {
            "ja": "お便り **#{number}** を削除するのだ？本文とラジオネームは消えて、元に戻せないのだ。",
            "en": "Delete letter **#{number}**? Its text and radio name are erased for good.",
        },
        "letters.delete.yes": {"ja": "削除する", "en": "Delete"},
        "letters.delete.no": {"ja": "やめる", "en": "Cancel"},
        "letters.delete.done": {"ja": "お便り **#{number}** を削除したのだ。", "en": "Letter **#{number}** deleted."},
        "letters.delete.cancelled": {"ja": "削除をやめたのだ。", "en": "Not deleted."},
        "letters.delete.not_found": {
            "ja": "お便り #{number} は見つからないのだ（削除できるのは自分のお便りだけなのだ）。",
            "en": "Letter #{number} was not found (you can delete only your own letters).",
        },
        # hosts
        "letters.not_found": {
            "ja": "お便り #{number} はこのサーバーにないのだ。",
            "en": "There is no letter #{number} in this server.",
        },
        "letters.gone": {"ja": "このお便りはこのサーバーにないのだ。", "en": "This letter is not in this server."},
        "letters.status.done": {
            "ja": "お便り **#{number}** を「{status}」にしたのだ。",
            "en": "Letter **#{number}** is now {status}.",
        },
        "letters.status.same": {
            "ja": "お便り #{number} はすでに「{status}」なのだ。",
            "en": "Letter #{number} is already {status}.",
        },
        "letters.status.is_deleted": {
            "ja": "お便り #{number} は投稿者が削除したので、変更できないのだ。",
            "en": "Letter #{number} was deleted by its author and cannot be changed.",
        },
        "letters.episode_not_found": {
            "ja": "エピソード「{episode}」が見つからないのだ。",
            "en": "Episode {episode} was not found.",
        },
        "letters.aired.done": {
            "ja": "お便り **#{number}** をエピソード #{episode} で放送済みにしたのだ。",
            "en": "Letter **#{number}** marked as read on air in episode #{episode}.",
        },
        "letters.aired.dm": {"ja": "投稿者にDMで知らせたのだ。", "en": "The author was told by DM."},
        "letters.aired.thread": {
            "ja": "DMが届かなかったので、告知スレッドでメンションして知らせたのだ。",
            "en": "DMs were closed, so the author was mentioned in the episode's thread.",
        },
        "letters.aired.unreachable": {
            "ja": "投稿者に知らせられなかったのだ（DMが届かず、告知スレッドも見つからないのだ）。",
            "en": "The author could not be told (DMs closed and no announcement thread found).",
        },
        "letters.aired.pending": {
            "ja": "お知らせは送信待ちなのだ（あとで自動で再送するのだ）。",
            "en": "The notice is queued and will be retried automatically.",
        },
        "letters.aired.not_requested": {
            "ja": "投稿者はお知らせを希望していないのだ。",
            "en": "The author did not ask to be told.",
        },
        "letters.export.done": {"ja": "{count}通を書き出したのだ。", "en": "Exported {count} letters."},
        "letters.export.empty": {"ja": "該当するお便りはないのだ。", "en": "No letters match."},
        "letters.export.too_big": {
            "ja": "ファイルが大きすぎるのだ（{size}）。状態や開始日で絞り込んでほしいのだ。",
            "en": "The file is too large ({size}); narrow it down by status or date.",
        },
        "letters.bad_date": {
            "ja": "日付は 2026-03-01 のように書いてほしいのだ（「{value}」は読めなかったのだ）。",
            "en": "Please write the date like 2026-03-01 (could not read {value!r}).",
        },
        "letters.list.title": {"ja": "お便り一覧（{count}通）", "en": "Letters ({count})"},
        "letters.list.empty": {"ja": "該当するお便りはないのだ。", "en": "No letters match."},
        "letters.block.already": {
            "ja": "この投稿者はもうブロックされているのだ。",
            "en": "This author is already blocked.",
        },
        "letters.unblock.already": {
            "ja": "この投稿者はブロックされていないのだ。",
            "en": "This author is not blocked.",
        },
        "letters.block.tombstone": {
            "ja": "削除されたお便りなので、投稿者をブロックできないのだ。",
            "en": "This letter was deleted; its author cannot be blocked.",
        },
        # hosts' message
        "letters.embed.title": {"ja": "お便り #{number}", "en": "Letter #{number}"},
        "letters.embed.name": {"ja": "ラジオネーム", "en": "Radio name"},
        "letters.embed.author": {"ja": "投稿者", "en": "From"},
        "letters.embed.episode": {"ja": "関連エピソード", "en": "Episode"},
        "letters.embed.notify": {"ja": "放送時のお知らせ", "en": "Notice when aired"},
        "letters.embed.notify.yes": {"ja": "希望する", "en": "Wanted"},
        "letters.embed.notify.no": {"ja": "希望しない", "en": "Not wanted"},
        "letters.embed.notify.done": {"ja": "済み（{how}）", "en": "Sent ({how})"},
        "letters.embed.status": {"ja": "状態", "en": "Status"},
        "letters.embed.aired": {"ja": "放送", "en": "Aired"},
        "letters.embed.blocked": {"ja": "🚫 投稿者はブロック中", "en": "🚫 Author is blocked"},
        "letters.embed.history": {"ja": "履歴", "en": "History"},
        "letters.embed.deleted": {
            "ja": "（投稿者がこのお便りを削除したのだ）",
            "en": "(The author deleted this letter.)",
        },
        "letters.embed.footer": {"ja": "受付", "en": "Received"},
        "letters.how.dm": {"ja": "DM", "en": "DM"},
        "letters.how.thread": {"ja": "スレッド", "en": "thread"},
        "letters.how.unreachable": {"ja": "届かず", "en": "unreachable"},
        "letters.action.submitted": {"ja": "受付", "en": "received"},
        "letters.action.status": {"ja": "{from_status} → {to_status}", "en": "{from_status} → {to_status}"},
        "letters.action.aired": {"ja": "放送済み（#{detail}）", "en": "aired (#{detail})"},
        "letters.action.blocked": {"ja": "投稿者をブロック", "en": "author blocked"},
        "letters.action.unblocked": {"ja": "ブロック解除", "en": "author unblocked"},
        "letters.action.deleted": {"ja": "投稿者が削除", "en": "deleted by author"},
        "letters.action.forwarded": {"ja": "ホストに転送", "en": "forwarded"},
        "letters.action.notified": {"ja": "お知らせ（{detail}）", "en": "notice ({detail})"},
        "letters.button.send": {"ja": "お便りを送る", "en": "Send a letter"},
        "letters.button.adopt": {"ja": "採用", "en": "Adopt"},
        "letters.button.hold": {"ja": "保留", "en": "Hold"},
        "letters.button.read": {"ja": "既読", "en": "Read"},
        "letters.button.reject": {"ja": "却下", "en": "Reject"},
        "letters.button.block": {"ja": "ブロック", "en": "Block"},
        "letters.button.unblock": {"ja": "ブロック解除", "en": "Unblock"},
        "letters.line": {"ja": "**#{number}** {status}・{when}", "en": "**#{number}** {status} · {when}"},
        "letters.sep": {"ja": "・", "en": " · "},
        # pager
        # notices to listeners
        "letters.notice.dm": {
            "ja": "🎉 「{guild}」に送ってくれたお便り #{number} が、エピソード #{episode} で読まれたのだ！"
            "ありがとうなのだ。\n{url}",
            "en": "🎉 Your letter #{number} to {guild} was read on air in episode #{episode}. Thank you!\n{url}",
        },
        "letters.notice.thread": {
            "ja": "{mention} 🎉 送ってくれたお便りが、このエピソードで読まれたのだ！ありがとうなのだ。",
            "en": "{mention} 🎉 Your letter was read on air in this episode. Thank you!",
        },
        # /status
        "letters.health.counts": {"ja": "お便り", "en": "Letters"},
        "letters.health.backlog": {"ja": "お便りの配信待ち", "en": "Letters waiting for delivery"},
        "letters.health.total": {"ja": "全{total}通", "en": "{total} in total"},
        "letters.health.none": {"ja": "配信待ちのお便りはないのだ", "en": "No letters waiting"},
        "letters.health.pending": {
            "ja": "{pending}件（最古 {oldest}）",
            "en": "{pending} (oldest {oldest})",
        },
        "letters.health.error": {"ja": "直近のエラー: {error}", "en": "Last error: {error}"},
        "letters.health.channel": {"ja": "届け先: {channel}", "en": "Channel: {channel}"},
        "letters.health.no_channel": {
            "ja": "届け先が未設定なのだ（`/設定 お便り` で設定）",
            "en": "No hosts' channel set (use /settings letters)",
        },
    }
)


def status_label(status: Status, locale: object | None) -> str:
    return i18n.t(f"letters.status.{status.value}", locale)


def problem_text(problem: Problem, locale: object | None) -> str:
    """One refusal reason as a sentence for the listener."""
    if problem.code is Code.BLANK:
        return i18n.t("letters.problem.blank", locale)
    name = i18n.t("letters.field.name" if problem.field is Field.NAME else "letters.field.body", locale)
    chars = ", ".join(codepoint(char) for char in problem.chars[:5])
    return i18n.t(
        f"letters.problem.{problem.code.value}",
        locale,
        field=name,
        length=problem.length,
        limit=problem.limit,
        chars=chars,
    )
