"""Traditional Chinese characters folded to simplified, so one set of Mandarin rules and features reads both.

Callees in Taiwan and Hong Kong write in traditional characters, and the recogniser (Whisper) writes Mandarin in
either script from one utterance to the next; the corpus and the rules are in simplified. The table covers the
words of calling, refusing, complaining, prices, carriers and phone menus, not the whole script: a character it
does not know is left as it is. Only one-to-one folds are listed; a traditional character whose simplified form
is ambiguous in these words (著, 乾) is left alone.
"""

from __future__ import annotations

_PAIRS = (
    "電电話话來来別别騷骚擾扰詐诈騙骗舉举報报檢检訴诉號号碼码沒没這这個个們们錯错請请撥拨機机關关聯联繫系絡络對对於于"
    "麼么說说過过還还開开會会時时間间現现錢钱貸贷費费價价優优險险買买賣卖辦办絕绝謝谢煩烦滾滚經经銷销廣广訊讯簡简發发"
    "刪删單单為为嗎吗邊边給给聽听見见裡里裏里從从幾几違违錄录務务區区內内線线暫暂無无後后餘余額额問问題题興兴應应該该"
    "實实際际歡欢讓让認认識识誰谁門门鐘钟點点幫帮預预約约週周處处總总產产業业續续資资訂订閱阅條条網网營营導导協协場场"
    "監监聞闻傳传瘋疯媽妈愛爱親亲戶户體体驗验試试選选擇择計计劃划難难隨随東东車车醫医課课學学習习飯饭覺觉帶带團团樣样"
    "種种類类聲声響响鈴铃語语國国講讲權权護护隱隐洩泄標标記记攔拦廠厂專专歲岁順顺氣气頭头讀读寫写銀银賬账帳账稅税輛辆"
    "證证規规則则備备準准確确態态況况狀状稱称讚赞謊谎賺赚虧亏紅红藍蓝綠绿燈灯鬧闹嚇吓罵骂惡恶壞坏傷伤陽阳陰阴員员師师"
    "長长廳厅館馆園园層层樓楼億亿萬万兩两塊块錶表鐵铁鋪铺貨货運运輸输遞递郵邮購购簽签韓韩漢汉華华僑侨歐欧屬属憑凭據据"
    "紀纪談谈論论諮咨詢询設设啟启動动斷断轉转達达顯显頁页償偿憂忧慮虑勞劳駕驾駛驶遷迁縣县鄉乡鎮镇莊庄廟庙齊齐擠挤進进"
    "遠远臺台"
)
_TABLE = {ord(t): s for t, s in zip(_PAIRS[0::2], _PAIRS[1::2], strict=True)}


def to_simplified(text: str) -> str:
    return text.translate(_TABLE)
